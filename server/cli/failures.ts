/**
 * How a CLI run fails: the exit codes that are the CLI's contract with the scripts that call
 * it, and the errors that carry them. Below every other CLI module, so all of them may throw.
 */
/** The exit codes, the CLI's contract with the scripts that call it. */
export const EXIT = {
  done: 0,
  /** The gateway answered no: a field, the role, a conflict, a missing batch; or rows were bad. */
  refused: 1,
  usage: 2,
  unreachable: 3,
  /** batch verify: the chain disagrees with what the gateway serves; audit: a source's detail or a head does not match the chain. */
  chainDisagrees: 4,
  /** audit: some event's detail was found in no source, and nothing found contradicts the chain. */
  incomplete: 5,
  /** Ctrl-C (128 + SIGINT), as shells report it. */
  interrupted: 130,
} as const;

/** A command that could not do its job; `json` is what --json prints for it. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
    readonly json: unknown = { error: { code: exitCodeName(exitCode), message } },
  ) {
    super(message);
    this.name = "CliFailure";
  }
}

export class UsageError extends CliFailure {
  constructor(message: string) {
    super(EXIT.usage, message);
  }
}

export class Interrupted extends CliFailure {
  constructor(message = "interrupted") {
    super(EXIT.interrupted, message);
  }
}

function exitCodeName(exitCode: number): string {
  const entry = Object.entries(EXIT).find(([, code]) => code === exitCode);
  return entry ? entry[0] : "failed";
}
