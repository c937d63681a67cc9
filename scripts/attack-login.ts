/**
 * Finding 5 of issue 19 (the console login), measured as an attacker would: a gateway process
 * with the production scrypt cost on an anvil of its own, and clients on several loopback
 * addresses (the gateway trusts no proxy header, so a client's address is its socket's).
 *   node -r ts-node/register/transpile-only scripts/attack-login.ts
 * It prints:
 *   1. what a known and an unknown username answer to seven wrong passwords in a row, and
 *      whether the pages of a wrong password, an unknown name and a slowed-down name are the
 *      same (apart from the CSRF token);
 *   2. the median time of a login POST for a known name with a wrong password, an unknown name,
 *      and a known and an unknown name after five failures from the same address;
 *   3. whether five wrong passwords from one address stop the owner logging in from another;
 *   4. how long the owner's login takes while 50 connections from another address send guesses.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startAnvil } from "../server/chain/anvil";
import { AddressClient, median, withoutToken } from "./lib/address-client";
import { PROCESS_ADMIN_TOKEN as ADMIN, freePort, spawnGateway } from "./lib/processes";

const PASSWORD = "correct horse battery";
const SAMPLES = Number(process.env.ATTACK_SAMPLES ?? 30);
/** Known names for the timing, each tried at most four times (the old code locked at five). */
const KNOWN = Math.ceil(SAMPLES / 4);
const FLOOD_CONNECTIONS = 50;

/** A fresh loopback address for each client that must not share another's counts. */
let nextHost = 10;
const freshAddress = () => `127.0.${Math.floor(nextHost / 250)}.${(nextHost++ % 250) + 2}`;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "attack-login-"));
  const anvil = await startAnvil({ port: await freePort() });
  const gateway = await spawnGateway({ port: await freePort(), rpcUrl: anvil.rpcUrl, dataDir, env: { LOG_LEVEL: "error" } });
  const base = gateway.base;
  try {
    const api = async (url: string, body: unknown) => {
      const response = await fetch(`${base}${url}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify(body),
      });
      if (response.status !== 201) throw new Error(`${url}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string };
    };
    const org = await api("/api/v1/orgs", { name: "田阳芒果专业合作社", role: "producer" });
    const names = ["victim.a", "victim.b", "victim.c", "locked.one", ...Array.from({ length: KNOWN }, (_, i) => `known.${i + 1}`)];
    for (const username of names) await api(`/api/v1/orgs/${org.id}/members`, { username, password: PASSWORD });

    // 1. Seven wrong passwords for a known and for an unknown name, each from an address of its own.
    const tries = async (username: string) => {
      const client = new AddressClient(base, freshAddress());
      const answers = [];
      for (let i = 0; i < 7; i++) answers.push(await client.login(username, `wrong password ${i}`));
      client.close();
      return answers;
    };
    const known = await tries("victim.a");
    const unknown = await tries("nobody.here");
    console.log("1. answers to seven wrong passwords in a row");
    console.log(`   known name:   ${known.map((a) => a.status).join(" ")}`);
    console.log(`   unknown name: ${unknown.map((a) => a.status).join(" ")}`);
    const pages = new Set([known[0], unknown[0], known[6], unknown[6]].map((a) => withoutToken(a.text).replace(/nobody\.here|victim\.a/g, "NAME")));
    console.log(`   pages (wrong, unknown, known after 7, unknown after 7), token and name aside: ${pages.size === 1 ? "identical" : `${pages.size} different`}`);

    // 2. Time of a login POST. The four kinds take turns, so that a change of load on the
    // machine weighs on each alike; a known name is never tried more than four times.
    const slowedKnown = new AddressClient(base, freshAddress());
    const slowedUnknown = new AddressClient(base, freshAddress());
    for (let i = 0; i < 5; i++) {
      await slowedKnown.login("locked.one", `wrong password ${i}`);
      await slowedUnknown.login("ghost.slowed", `wrong password ${i}`);
    }
    const once = async (username: string) => {
      const client = new AddressClient(base, freshAddress());
      const answer = await client.login(username, "wrong password");
      client.close();
      return answer.ms;
    };
    const times = { known: [] as number[], unknown: [] as number[], knownSlowed: [] as number[], unknownSlowed: [] as number[] };
    for (let i = 0; i < SAMPLES; i++) {
      times.known.push(await once(`known.${(i % KNOWN) + 1}`));
      times.unknown.push(await once(`ghost.${i}`));
      times.knownSlowed.push((await slowedKnown.login("locked.one", "wrong password")).ms);
      times.unknownSlowed.push((await slowedUnknown.login("ghost.slowed", "wrong password")).ms);
    }
    slowedKnown.close();
    slowedUnknown.close();
    const ms = (values: number[]) => `${median(values).toFixed(1)} ms`;
    console.log(`2. median login POST time (${SAMPLES} tries each, taking turns; production scrypt cost)`);
    console.log(`   known name, wrong password:                 ${ms(times.known)}`);
    console.log(`   unknown name:                               ${ms(times.unknown)}`);
    console.log(`   known name after 5 failures, same address:  ${ms(times.knownSlowed)}`);
    console.log(`   unknown name after 5 failures, same address: ${ms(times.unknownSlowed)}`);

    // 3. Five wrong passwords from one address; the owner then logs in from another.
    const attacker = new AddressClient(base, freshAddress());
    for (let i = 0; i < 5; i++) await attacker.login("victim.b", `wrong password ${i}`);
    const owner = new AddressClient(base, freshAddress());
    const ownerLogin = await owner.login("victim.b", PASSWORD);
    const attackerRight = await attacker.login("victim.b", PASSWORD);
    console.log("3. five wrong passwords from one address, then the right one");
    console.log(`   from the owner's address:    ${ownerLogin.status}${owner.cookie("plc_session") ? " (logged in)" : " (no session)"}`);
    console.log(`   from the attacker's address: ${attackerRight.status}${attacker.cookie("plc_session") ? " (logged in)" : " (no session)"}`);
    attacker.close();
    owner.close();

    // 4. The owner's login while 50 connections from one address send guesses for other names.
    const ownerLogins = async (count: number) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const client = new AddressClient(base, "127.0.0.250");
        const answer = await client.login("victim.c", PASSWORD);
        if (answer.status !== 303) throw new Error(`the owner could not log in: ${answer.status}`);
        times.push(answer.ms);
        client.close();
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      return times;
    };
    const quiet = await ownerLogins(3);
    const flooder = new AddressClient(base, "127.0.0.251", { maxSockets: FLOOD_CONNECTIONS });
    await flooder.get("/console/login");
    let flooding = true;
    let guesses = 0;
    const loops = Array.from({ length: FLOOD_CONNECTIONS }, async (_, loop) => {
      for (let i = 0; flooding; i++) {
        await flooder.post("/console/login", { username: `guess.${loop}.${i}`, password: "wrong password" });
        guesses++;
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const flooded = await ownerLogins(5);
    flooding = false;
    await Promise.all(loops);
    flooder.close();
    console.log(`4. the owner's login POST while ${FLOOD_CONNECTIONS} connections send guesses from another address`);
    console.log(`   quiet:   median ${median(quiet).toFixed(0)} ms`);
    console.log(`   flooded: median ${median(flooded).toFixed(0)} ms, longest ${Math.max(...flooded).toFixed(0)} ms (${guesses} guesses answered meanwhile)`);
  } finally {
    await gateway.stop();
    await anvil.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
