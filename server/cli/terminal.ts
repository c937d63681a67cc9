/**
 * Where the CLI writes and how it asks for a secret. The process's own terminal in use; a
 * recording one in tests, which also keeps what a run wrote for runCli's answer.
 */
import { Interrupted } from "./failures";

export interface Terminal {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is an interactive terminal (a progress bar then redraws one line). */
  readonly stderrIsTty: boolean;
  /** Asks for a secret without echoing it; absent when there is no terminal to ask on. */
  askSecret?(prompt: string): Promise<string>;
}

/** A terminal that keeps everything written to it, passing it on to `inner` when given. */
export class RecordingTerminal implements Terminal {
  private out = "";
  private err = "";
  private all = "";
  readonly stderrIsTty: boolean;
  readonly askSecret?: (prompt: string) => Promise<string>;

  constructor(private readonly inner?: Terminal) {
    this.stderrIsTty = inner?.stderrIsTty ?? false;
    if (inner?.askSecret) this.askSecret = (prompt) => inner.askSecret!(prompt);
  }

  stdout(text: string): void {
    this.out += text;
    this.all += text;
    this.inner?.stdout(text);
  }

  stderr(text: string): void {
    this.err += text;
    this.all += text;
    this.inner?.stderr(text);
  }

  recorded() {
    return { stdout: this.out, stderr: this.err, output: this.all };
  }
}

/** The process's stdout and stderr, and its stdin for secrets when it is a terminal. */
export function processTerminal(): Terminal {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTty: process.stderr.isTTY === true,
    ...(process.stdin.isTTY ? { askSecret } : {}),
  };
}

/** Reads one line from the terminal in raw mode, so that nothing typed is echoed. */
function askSecret(prompt: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt);
    let secret = "";
    const finish = (error?: Error) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      if (error) reject(error);
      else resolve(secret);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n" || char === "\u0004") return finish();
        // In raw mode Ctrl-C arrives as a character instead of a signal.
        if (char === "\u0003") return finish(new Interrupted());
        if (char === "\u007f" || char === "\b") secret = Array.from(secret).slice(0, -1).join("");
        else secret += char;
      }
    };
    input.setEncoding("utf8");
    input.setRawMode(true);
    input.resume();
    input.on("data", onData);
  });
}
