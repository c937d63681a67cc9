/**
 * Prints which folder of the gateway imports which, and fails when the house is not one-way:
 * a folder may import only from its own floor's folder or from a lower floor, no two files may
 * import each other in a circle, and the scripts may not import the tests.
 *
 *   npm run check:layers            the folder graph, then any breach (exit 1 when there is one)
 *   npm run check:layers -- --files every file-level import that crosses folders
 *
 * Imports are read with TypeScript's own pre-processor, so an import-shaped line inside a string
 * or a comment is not taken for one.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** The floors, lowest first. A folder (or a root file) may import its own floor's folder only from within itself. */
export const FLOORS: string[][] = [
  ["server/domain", "server/config.ts"],
  ["server/html", "server/keys"],
  ["server/csv"],
  ["server/store", "server/chain"],
  ["server/services"],
  ["server/workers"],
  ["server/api"],
  ["server/web", "server/console", "server/cli"],
  ["server/app.ts"],
  ["server/gateway.ts"],
  ["server/index.ts", "server/reindex.ts", "server/cli.ts"],
  ["scripts/lib"],
  ["scripts"],
];

const ROOT = path.resolve(__dirname, "..");

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) found.push(...sourceFiles(full));
    else if (name.endsWith(".ts")) found.push(full);
  }
  return found;
}

/** The room a file lives in: the longest floor entry that contains it. */
export function roomOf(relative: string): string | undefined {
  let best: string | undefined;
  for (const room of FLOORS.flat()) {
    const inside = relative === room || relative.startsWith(`${room}/`);
    if (inside && (!best || room.length > best.length)) best = room;
  }
  if (best) return best;
  // A folder not yet placed on a floor is still drawn, so that the graph shows it.
  const parts = relative.split("/");
  return parts.length > 2 ? parts.slice(0, 2).join("/") : relative;
}

function floorOf(room: string): number {
  return FLOORS.findIndex((floor) => floor.includes(room));
}

function resolveImport(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [`${base}.ts`, path.join(base, "index.ts"), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this candidate
    }
  }
  return undefined;
}

export interface HouseReport {
  edges: Map<string, Map<string, number>>;
  breaches: string[];
  fileEdges: Array<[string, string]>;
}

export function readHouse(root = ROOT): HouseReport {
  const files = [...sourceFiles(path.join(root, "server")), ...sourceFiles(path.join(root, "scripts"))];
  const edges = new Map<string, Map<string, number>>();
  const breaches: string[] = [];
  const fileEdges: Array<[string, string]> = [];
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const from = path.relative(root, file);
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets: string[] = [];
    for (const imported of info.importedFiles) {
      const spec = imported.fileName;
      if (spec.startsWith(".") && path.relative(root, path.resolve(path.dirname(file), spec)).startsWith("test")) {
        breaches.push(`${from} imports the tests (${spec}); a script's helpers belong in scripts/lib/`);
        continue;
      }
      const resolved = resolveImport(file, spec);
      if (!resolved) continue;
      const to = path.relative(root, resolved);
      if (!/^(server|scripts)\//.test(to)) continue; // generated bindings and the like are not rooms
      targets.push(to);
      const fromRoom = roomOf(from)!;
      const toRoom = roomOf(to)!;
      if (fromRoom === toRoom) continue;
      fileEdges.push([from, to]);
      const row = edges.get(fromRoom) ?? new Map<string, number>();
      row.set(toRoom, (row.get(toRoom) ?? 0) + 1);
      edges.set(fromRoom, row);
    }
    graph.set(from, targets);
  }
  for (const [fromRoom, row] of edges) {
    for (const [toRoom, count] of row) {
      const fromFloor = floorOf(fromRoom);
      const toFloor = floorOf(toRoom);
      if (fromFloor < 0) breaches.push(`${fromRoom} is on no floor (add it to FLOORS in scripts/check-layers.ts)`);
      else if (toFloor < 0) breaches.push(`${toRoom} is on no floor (add it to FLOORS in scripts/check-layers.ts)`);
      else if (toFloor >= fromFloor) {
        const how = toFloor === fromFloor ? "a folder of its own floor" : "a higher floor";
        breaches.push(`${fromRoom} imports ${toRoom}, ${how} (${count} import${count === 1 ? "" : "s"})`);
      }
    }
  }
  for (const circle of circlesOf(graph)) breaches.push(`import circle: ${circle.join(" -> ")}`);
  return { edges, breaches: [...new Set(breaches)], fileEdges };
}

/** Every strongly connected set of two or more files (Tarjan), each printed as one circle. */
function circlesOf(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const members: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        members.push(member);
      } while (member !== node);
      if (members.length > 1) circles.push(members.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return circles;
}

function main() {
  const { edges, breaches, fileEdges } = readHouse();
  const rooms = [...edges.keys()].sort((a, b) => floorOf(b) - floorOf(a) || a.localeCompare(b));
  console.log("folder imports (from -> to: imports), top floor first");
  for (const room of rooms) {
    const row = [...edges.get(room)!].sort((a, b) => floorOf(b[0]) - floorOf(a[0]) || a[0].localeCompare(b[0]));
    console.log(`  ${room} -> ${row.map(([to, n]) => `${to.replace(/^server\//, "")} ${n}`).join(", ")}`);
  }
  if (process.argv.includes("--files")) {
    console.log("\nfile imports across folders");
    for (const [from, to] of fileEdges.sort()) console.log(`  ${from} -> ${to}`);
  }
  if (breaches.length) {
    console.log(`\n${breaches.length} breach${breaches.length === 1 ? "" : "es"} of the one-way house:`);
    for (const breach of breaches) console.log(`  ${breach}`);
    process.exitCode = 1;
  } else {
    console.log("\nthe house is one-way: no folder imports a higher or a neighbouring one, no import circle");
  }
}

if (require.main === module) main();
