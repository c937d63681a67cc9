/**
 * The data folder is private to the service: folders 0700, files 0600, whatever the umask.
 * Everything the gateway writes under DATA_DIR goes through these helpers (or is tightened at
 * start by `tightenDataDir`, for files that SQLite or anvil create themselves), because the
 * folder holds password hashes, live CSRF tokens, private fields, the master secret and the
 * encrypted chain keys.
 */
import { chmodSync, closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes `dir` (and its missing parents) with mode 0700, whatever the umask. An existing folder
 * is left as it is: tightening one is `tightenDataDir`'s work, on the data folder only.
 */
export function makePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  for (let made = path.resolve(dir); ; made = path.dirname(made)) {
    chmodSync(made, PRIVATE_DIR_MODE); // mkdir's mode passes through the umask
    if (made === path.resolve(first) || made === path.dirname(made)) break;
  }
}

/** Opens `file` (fs.openSync flags) and sets it to 0600 before anything is written to it. */
export function openPrivateFile(file: string, flags: string): number {
  const fd = openSync(file, flags, PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE); // the umask, or a file that existed already, may have widened it
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  return fd;
}

/**
 * Writes `data` to `file` as a private file, through a temporary file renamed into place, so a
 * crash leaves the old content or the new, never half of it. `exclusive` refuses to replace a
 * file that exists (first-run secrets: two starts must not make two different ones).
 */
export function writePrivateFile(file: string, data: string, options: { exclusive?: boolean } = {}): void {
  makePrivateDir(path.dirname(file));
  if (options.exclusive) {
    const fd = openPrivateFile(file, "wx");
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const temporary = `${file}.tmp`;
  const fd = openPrivateFile(temporary, "w");
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

/**
 * Flushes a file, or a folder's entries (so that a rename into it survives a power cut), to disk.
 */
export function syncPath(file: string): void {
  const fd = openSync(file, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Takes every permission of group and others away under `dir` (itself included): the data folder
 * that an earlier version made under a 022 umask becomes 0700 with 0600 files. Only group and
 * other bits are removed, so a file that is not the gateway's keeps what its owner had.
 * Symbolic links are not followed. Returns the paths it changed, with their old modes.
 */
export function tightenDataDir(dir: string): Array<{ path: string; was: number }> {
  const resolved = path.resolve(dir);
  if (resolved === path.parse(resolved).root || resolved === path.resolve(homedir())) {
    throw new Error(`DATA_DIR is ${resolved}: give the gateway a folder of its own, whose every file it makes private`);
  }
  const changed: Array<{ path: string; was: number }> = [];
  const visit = (target: string) => {
    const stat = lstatSync(target);
    if (stat.isSymbolicLink()) return;
    const mode = stat.mode & 0o777;
    const wanted = stat.isDirectory() ? (mode & ~0o077) | PRIVATE_DIR_MODE : mode & ~0o077;
    if (wanted !== mode) {
      chmodSync(target, wanted);
      changed.push({ path: target, was: mode });
    }
    if (stat.isDirectory()) for (const name of readdirSync(target)) visit(path.join(target, name));
  };
  makePrivateDir(resolved);
  visit(resolved);
  return changed;
}
