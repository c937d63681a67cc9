/**
 * Measures finding 4 of issue 19: how many requests from one client make a genuine unit's page
 * say 疑似假冒? A gateway as `npm start` runs it (scripts/lib/gateway-under-test.ts; the default
 * warning settings, the pages' rate limit off) records a harvest and issues one unit serial; this script then GETs
 * the unit's page from one client until the page warns, up to ATTACK_REQUESTS (500) times: first
 * the same client every time, then one address posing as a new client each time (a new user
 * agent). It prints the request that first warned, or that none did.
 *
 *   node -r ts-node/register/transpile-only scripts/attack-scan-warning.ts
 */
import { gatewayUnderTest } from "./lib/gateway-under-test";
import * as payload from "./lib/payloads";

const REQUESTS = Number(process.env.ATTACK_REQUESTS ?? 500);
const WARNING = `data-warning="counterfeit"`;

async function main() {
  const h = await gatewayUnderTest({ PUBLIC_RATE_LIMIT: "0" });
  try {
    const producer = await h.org("田阳芒果专业合作社", "producer");
    const harvest = await h.call("POST", "/api/v1/batches?wait=confirmed", { token: producer.apiKey, body: payload.harvest("SCAN-ATTACK") });
    if (harvest.status !== 202) throw new Error(JSON.stringify(harvest.body));
    for (let i = 0; i < 200 && (await h.call("GET", `/api/v1/batches/${harvest.body.batchId}`)).status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the index trails the confirmation a little
    }
    const serials = async () => {
      const issued = await h.call("POST", `/api/v1/batches/${harvest.body.batchId}/serials`, { token: producer.apiKey, body: { count: 1 } });
      if (issued.status !== 201) throw new Error(JSON.stringify(issued.body));
      return new URL(issued.body.serials[0].url).pathname as string;
    };
    const attack = async (path: string, userAgent: (n: number) => string) => {
      for (let n = 1; n <= REQUESTS; n++) {
        const page = await (await fetch(`${h.base}${path}`, { headers: { "User-Agent": userAgent(n) } })).text();
        if (page.includes(WARNING)) return n;
      }
      return null;
    };
    const oneClient = await attack(await serials(), () => "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0");
    const newUserAgents = await attack(await serials(), (n) => `attacker/${n}`);
    const say = (n: number | null) => (n === null ? `never (${REQUESTS} requests)` : `at request ${n}`);
    console.log(`one client, same request: the genuine unit warns ${say(oneClient)}`);
    console.log(`one address, a new user agent each request: the genuine unit warns ${say(newUserAgents)}`);
    console.log(JSON.stringify({ requests: REQUESTS, oneClientWarnsAt: oneClient, newUserAgentsWarnAt: newUserAgents }));
  } finally {
    await h.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
