/**
 * Reads and writes ledger bundle files (domain/ledger-bundle.ts) a line at a time, so that a
 * bundle of a hundred thousand events never has to fit in memory at once.
 */
import { createReadStream, createWriteStream, renameSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { parseBundleLine, type BundleHeader, type BundleLine } from "../../domain/ledger-bundle";

/** The lines of a bundle file after its header, and the header first. Throws naming a bad line. */
export async function* readBundleFile(file: string): AsyncGenerator<BundleLine> {
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber++;
    if (!raw.trim()) continue;
    const line = parseBundleLine(raw, lineNumber);
    if (lineNumber === 1 && line.type !== "ledger-bundle") throw new Error(`${file}: line 1 is not a ledger-bundle header`);
    yield line;
  }
  if (lineNumber === 0) throw new Error(`${file} is empty: a bundle begins with its ledger-bundle header`);
}

/** The header of a bundle file. */
export async function readBundleHeader(file: string): Promise<BundleHeader> {
  for await (const line of readBundleFile(file)) return line as BundleHeader;
  throw new Error(`${file} is empty`);
}

/**
 * Writes a bundle to `file` through a temporary file renamed at the end, so that an interrupted
 * export never leaves a file that looks whole.
 */
export class BundleWriter {
  private readonly temporary: string;
  private readonly stream;

  constructor(private readonly file: string, header: BundleHeader) {
    this.temporary = `${file}.partial`;
    this.stream = createWriteStream(this.temporary, { encoding: "utf8", mode: 0o644 });
    this.stream.write(`${JSON.stringify(header)}\n`);
  }

  async write(line: BundleLine): Promise<void> {
    if (!this.stream.write(`${JSON.stringify(line)}\n`)) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    renameSync(this.temporary, this.file);
  }
}
