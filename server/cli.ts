/**
 * The product's command line, a client of a running gateway's API:
 *
 *   npm run cli -- org create --name 田阳芒果合作社 --role producer [--address 0x…] [--json]
 *
 * It finds the gateway at --url (default http://127.0.0.1:8080, or GATEWAY_URL) and the admin
 * token in ADMIN_TOKEN or the data folder's first-run file. Exit codes: 0 done, 1 refused by
 * the gateway, 2 bad usage, 3 the gateway could not be reached.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROLE_NAMES } from "./domain/event-kinds";

const USAGE = `usage: npm run cli -- org create --name NAME --role ROLE [--address 0x…] [--url URL] [--json]
  ROLE: ${ROLE_NAMES.join(", ")}`;


export interface CliResult {
  exitCode: number;
  output: string;
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<CliResult> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: "string" },
        role: { type: "string" },
        address: { type: "string" },
        url: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  } catch (error) {
    return { exitCode: 2, output: `${(error as Error).message}\n${USAGE}` };
  }
  const { values, positionals } = parsed;
  if (values.help) return { exitCode: 0, output: USAGE };
  if (positionals.join(" ") !== "org create") return { exitCode: 2, output: USAGE };
  if (!values.name || !values.role) return { exitCode: 2, output: `--name and --role are required\n${USAGE}` };

  const url = (values.url ?? env.GATEWAY_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
  const token = env.ADMIN_TOKEN ?? readTokenFile(path.resolve(env.DATA_DIR ?? "./data", "admin-token"));
  if (!token) return { exitCode: 2, output: "no admin token: set ADMIN_TOKEN or run from the folder whose data/ holds admin-token" };

  let response: Response;
  try {
    response = await fetch(`${url}/api/v1/orgs`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: values.name, role: values.role, ...(values.address ? { address: values.address } : {}) }),
    });
  } catch (error) {
    return { exitCode: 3, output: `cannot reach the gateway at ${url}: ${(error as Error).message}` };
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const error = body.error as { message?: string; fields?: { field: string; message: string }[] } | undefined;
    const fields = error?.fields?.map((f) => `  ${f.field}: ${f.message}`).join("\n");
    return {
      exitCode: 1,
      output: values.json ? JSON.stringify(body) : `refused (${response.status}): ${error?.message ?? "unknown error"}${fields ? `\n${fields}` : ""}`,
    };
  }
  if (values.json) return { exitCode: 0, output: JSON.stringify(body) };
  return {
    exitCode: 0,
    output: [
      `created organisation ${body.name} (${body.role})`,
      `  id:       ${body.id}`,
      `  address:  ${body.address} (${body.custodial ? "key kept by the gateway" : "signs with its own key"})`,
      `  API key:  ${body.apiKey}   ← shown once; store it now`,
    ].join("\n"),
  };
}

function readTokenFile(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(({ exitCode, output }) => {
    (exitCode === 0 ? console.log : console.error)(output);
    process.exitCode = exitCode;
  });
}
