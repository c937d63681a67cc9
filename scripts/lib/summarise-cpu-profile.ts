/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and the
 * share of the thread's time by area of the gateway (HTTP and JSON, validation, the outbox's
 * SQLite writes, signing, the relayer, the indexer, page-cache triggers, GC…). A sample goes to
 * the area of the frame nearest its leaf that names one, so that ethers' ABI encoding called by
 * the relayer counts as the relayer's, and the same code called from a request as the request's.
 *
 *   node -r ts-node/register/transpile-only scripts/lib/summarise-cpu-profile.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A rule: a frame whose file (or, without `file`, whose function name) matches is in `name`. */
interface Rule {
  name: string;
  file?: RegExp;
  fn?: RegExp;
}

const matches = (rule: Rule, frame: CallFrame) => (rule.file ? rule.file.test(frame.url) : rule.fn!.test(frame.functionName));
const isProjectFile = (url: string) => /\/(server|scripts)\//.test(url) && !url.includes("node_modules");

const SPECIAL: Rule[] = [
  { name: "GC", fn: /^\(garbage collector\)$/ },
  { name: "idle", fn: /^\(idle\)$/ },
  { name: "(program: V8 and native, unattributed)", fn: /^\(program\)$/ },
];

/**
 * Which part of the gateway a sample works for: the project frame nearest the stack's root decides
 * (after an await the root is the resumed function, so a relayer tick stays the relayer's).
 */
const COMPONENTS: Rule[] = [
  { name: "indexer", file: /server\/workers\/indexer\// },
  { name: "certification sender", file: /server\/workers\/relayer\/certification-sender/ },
  { name: "relayer", file: /server\/workers\/relayer\// },
  { name: "background catch-ups (EPCIS, sales summaries, imports, webhooks)", file: /server\/workers\/|server\/services\/epcis\/epcis-projector|server\/store\/sales-summary/ },
  { name: "embedded chain supervision (snapshots)", file: /server\/chain\/(anvil|snapshot)/ },
  { name: "chain RPC answers arriving (IPC)", file: /server\/chain\/ipc-provider/ },
  { name: "start-up (loading modules, config)", file: /server\/(index|config)\.ts/ },
  { name: "HTTP requests (API writes, pages, console)", file: /\/server\// },
];
const HTTP_WITHOUT_PROJECT_FRAME: Rule = { name: "HTTP requests (API writes, pages, console)", file: /node_modules\/(express|body-parser|router|raw-body|on-finished|finalhandler|send)\/|node:_http|node:http/ };
const STARTUP_WITHOUT_PROJECT_FRAME: Rule = { name: "start-up (loading modules, config)", file: /ts-node|typescript\/lib|node:internal\/modules/ };

/**
 * What kind of work a sample does: the frame nearest its leaf that a rule names (a sample in
 * secp256k1 under the event service is signing; one in better-sqlite3 under the outbox, its SQLite).
 */
const KINDS: Rule[] = [
  { name: "signing and hashing (secp256k1, keccak, EIP-712, RLP)", file: /@noble\/(curves|hashes)|secp256k1|ethers\/lib\.commonjs\/(crypto|hash|wallet|transaction)\/|utils\/rlp-|server\/chain\/(sign-digest|typed-data)|server\/domain\/(epcis\/event-hash|custody|hashes)/ },
  { name: "ABI encoding and log decoding", file: /ethers\/lib\.commonjs\/abi\/|server\/chain\/(ledger-events|ledger-calls)/ },
  { name: "page-cache triggers and versions", file: /server\/store\/(batch-versions|data-version)/ },
  { name: "SQLite (better-sqlite3 and repositories)", file: /better-sqlite3|server\/store\// },
  { name: "chain RPC transport (IPC, JSON-RPC framing)", file: /server\/chain\/ipc-provider|ethers\/lib\.commonjs\/providers\// },
  { name: "validation and planning (domain, ledger rules, planner)", file: /server\/domain\/|server\/services\/(event-planner|planning|ledger-rules|batch-state|role-standing)/ },
  { name: "HTTP, JSON and logging (express, body parsing, router, pino)", file: /node_modules\/(express|body-parser|router|raw-body|pino|on-finished|finalhandler|iconv-lite|qs|send|cookie)\/|server\/api\/|server\/app|node:_http|node:http|node:net|node:stream/ },
  { name: "HTTP, JSON and logging (express, body parsing, router, pino)", fn: /^(parse|stringify)$/ },
  { name: "ethers utilities (hex, bytes, addresses)", file: /ethers\/lib\.commonjs\// },
  { name: "module loading and compiling (ts-node)", file: /ts-node|typescript\/lib|node:internal\/modules|node:vm/ },
];

const OTHER = "other (node internals, timers, unattributed)";

export interface Share {
  name: string;
  ms: number;
  /** Percent of the thread's busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  topSelf: Array<{ name: string; where: string; ms: number; share: number }>;
  components: Share[];
  kinds: Share[];
  /** The kinds of work within each part (% of all busy time). */
  kindsWithin: Array<{ component: string; kinds: Share[] }>;
}

export function summariseProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackOf = (id: number): CallFrame[] => {
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push(byId.get(at)!.callFrame);
    return frames; // leaf first
  };

  const selfMs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    selfMs.set(profile.samples[i], (selfMs.get(profile.samples[i]) ?? 0) + ms);
  }

  const components = new Map<string, number>();
  const kinds = new Map<string, number>();
  const kindsWithin = new Map<string, Map<string, number>>();
  const functions = new Map<string, { name: string; where: string; ms: number }>();
  const add = (into: Map<string, number>, name: string, ms: number) => into.set(name, (into.get(name) ?? 0) + ms);
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of selfMs) {
    totalMs += ms;
    const stack = stackOf(id);
    const leaf = stack[0];
    const special = SPECIAL.find((rule) => matches(rule, leaf));
    if (special?.name === "idle") {
      idleMs += ms;
      continue;
    }
    const rootFirst = [...stack].reverse();
    // The chain thread's dispatch (workers/chain-thread) only hands work on: the frame after it decides.
    const project = rootFirst.find((frame) => isProjectFile(frame.url) && !/server\/workers\/chain-thread\//.test(frame.url));
    const component =
      special?.name ??
      (project && COMPONENTS.find((rule) => matches(rule, project))?.name) ??
      (rootFirst.some((frame) => matches(HTTP_WITHOUT_PROJECT_FRAME, frame)) ? HTTP_WITHOUT_PROJECT_FRAME.name : undefined) ??
      (rootFirst.some((frame) => matches(STARTUP_WITHOUT_PROJECT_FRAME, frame)) ? STARTUP_WITHOUT_PROJECT_FRAME.name : OTHER);
    let kind = special?.name ?? OTHER;
    if (!special) {
      for (const frame of stack) {
        const rule = KINDS.find((r) => matches(r, frame));
        if (rule) {
          kind = rule.name;
          break;
        }
      }
    }
    add(components, component, ms);
    add(kinds, kind, ms);
    if (!kindsWithin.has(component)) kindsWithin.set(component, new Map());
    add(kindsWithin.get(component)!, kind, ms);

    const where = leaf.url ? `${shortPath(leaf.url)}:${leaf.lineNumber + 1}` : "(native)";
    const key = `${leaf.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: leaf.functionName || "(anonymous)", where, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
  }
  const busyMs = totalMs - idleMs;
  const share = (ms: number) => Math.round((ms / busyMs) * 1000) / 10;
  const table = (from: Map<string, number>): Share[] =>
    [...from.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms: Math.round(ms), share: share(ms) }));
  return {
    totalMs: Math.round(totalMs),
    busyMs: Math.round(busyMs),
    topSelf: [...functions.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((f) => ({ ...f, ms: Math.round(f.ms), share: share(f.ms) })),
    components: table(components),
    kinds: table(kinds),
    kindsWithin: table(components)
      .filter((c) => c.share >= 5 && kindsWithin.get(c.name)!.size > 1)
      .map((c) => ({ component: c.name, kinds: table(kindsWithin.get(c.name)!).filter((k) => k.share >= 0.2) })),
  };
}

/** From the project's or node_modules' folder on: what a reader recognises. */
function shortPath(url: string): string {
  const file = url.replace(/^file:\/\//, "");
  const modules = file.lastIndexOf("node_modules/");
  if (modules !== -1) return file.slice(modules + "node_modules/".length);
  const project = file.search(/\/(server|scripts|test)\//);
  return project !== -1 ? file.slice(project + 1) : file;
}

export function formatSummary(file: string, summary: ProfileSummary): string {
  const rows = (shares: Share[]) => shares.map((a) => `    ${String(a.share).padStart(5)}%  ${String(a.ms).padStart(7)} ms  ${a.name}`);
  return [
    `${file}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, ${(summary.busyMs / 1000).toFixed(1)} s busy (${Math.round((summary.busyMs / summary.totalMs) * 100)}%)`,
    "",
    "  busy time by the part of the gateway it works for:",
    ...rows(summary.components),
    "",
    "  busy time by the kind of work:",
    ...rows(summary.kinds),
    ...summary.kindsWithin.flatMap(({ component, kinds }) => ["", `  within ${component}, by kind (% of all busy time):`, ...rows(kinds)]),
    "",
    "  top functions by self time:",
    ...summary.topSelf.map((f) => `    ${String(f.share).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.name}  ${f.where}`),
  ].join("\n");
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error("usage: summarise-cpu-profile.ts FILE.cpuprofile [TOP]");
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  console.log(formatSummary(file, summariseProfile(profile, top ? Number(top) : 25)));
}
