/**
 * Measures the photo weakness of issue 19: does a harvest photo, uploaded through the console
 * as a phone sends it, reach the public with the farm's GPS position? A gateway as `npm start`
 * runs it (scripts/lib/gateway-under-test.ts) takes a JPEG with EXIF (camera, date, GPS), XMP,
 * IPTC, a comment and trailing bytes (scripts/lib/phone-photos.ts) through the console's harvest
 * form, posted as a browser without script posts it; this script then fetches the public
 * photo by the hash the chain holds and prints how many bytes of metadata it still carries and
 * the GPS position it can read from it, if any.
 *
 *   node -r ts-node/register/transpile-only scripts/attack-photo-metadata.ts
 */
import { keccak256 } from "ethers";
import { batchIdFor } from "../server/domain/gs1";
import { gatewayUnderTest } from "./lib/gateway-under-test";
import { BARE_JPEG, containsMetadata, phoneJpeg } from "./lib/phone-photos";
import { PROCESS_ADMIN_TOKEN } from "./lib/processes";
import { MANGO_GTIN } from "./lib/payloads";

/** A browser without script: keeps its cookies and the last form's CSRF token, sends its Origin. */
class FormClient {
  private readonly cookies = new Map<string, string>();
  private csrf = "";

  constructor(private readonly base: string) {}

  get(path: string) {
    return this.request("GET", path);
  }

  post(path: string, fields: Record<string, string>, file?: { field: string; name: string; type: string; data: Buffer }) {
    const form = file ? new FormData() : new URLSearchParams();
    form.append("_csrf", this.csrf);
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    if (file && form instanceof FormData) form.append(file.field, new Blob([file.data], { type: file.type }), file.name);
    return this.request("POST", path, form);
  }

  private async request(method: string, path: string, body?: FormData | URLSearchParams) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      body,
      redirect: "manual",
      headers: { origin: this.base, cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      this.cookies.set(pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1));
    }
    const text = await response.text();
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
    return { status: response.status, text };
  }
}

/** The GPS latitude and longitude an EXIF block in a JPEG gives, as degrees; undefined without one. */
function gpsOf(jpeg: Buffer): string | undefined {
  const at = jpeg.indexOf(Buffer.from("Exif\0\0", "latin1"));
  if (at < 0) return undefined;
  const tiff = jpeg.subarray(at + 6);
  const le = tiff.toString("latin1", 0, 2) === "II";
  const u16 = (o: number) => (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o));
  const u32 = (o: number) => (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o));
  const entries = (ifd: number) => Array.from({ length: u16(ifd) }, (_, k) => ifd + 2 + 12 * k);
  const gpsPointer = entries(u32(4)).find((e) => u16(e) === 0x8825);
  if (gpsPointer === undefined) return undefined;
  const degrees = (tag: number) => {
    const entry = entries(u32(gpsPointer + 8)).find((e) => u16(e) === tag);
    if (entry === undefined) return NaN;
    const data = u32(entry + 8);
    return [0, 1, 2].reduce((sum, k) => sum + u32(data + 8 * k) / u32(data + 8 * k + 4) / 60 ** k, 0);
  };
  return `${degrees(2).toFixed(5)}°N ${degrees(4).toFixed(5)}°E`;
}

async function main() {
  const h = await gatewayUnderTest();
  try {
    const coop = await h.org("田阳芒果专业合作社", "producer");
    const password = "田阳芒果-基地照片-2026-xq9!";
    const member = await h.call("POST", `/api/v1/orgs/${coop.id}/members`, { token: PROCESS_ADMIN_TOKEN, body: { username: "tianyang.photos", password } });
    if (member.status !== 201) throw new Error(JSON.stringify(member.body));
    const client = new FormClient(h.base);
    await client.get("/console/login");
    const login = await client.post("/console/login", { username: "tianyang.photos", password });
    if (login.status !== 303) throw new Error(`login: ${login.status}`);
    await client.get("/console/batches/new?province=45");
    const sent = phoneJpeg();
    const fields = { productName: "田阳香芒", gtin: MANGO_GTIN, lot: "PHOTO-ATTACK", province: "45", countyCode: "451003", amount: "1200", unit: "kg", harvestedAt: "2026-06-01", harvestTime: "08:00" };
    const answer = await client.post("/console/batches/new", fields, { field: "photos", name: "IMG_20260601_080000.jpg", type: "image/jpeg", data: sent });
    if (answer.status !== 303) throw new Error(`the harvest was refused: ${answer.status}`);
    const batchId = batchIdFor(MANGO_GTIN, "PHOTO-ATTACK");
    for (let i = 0; i < 300 && (await h.call("GET", `/api/v1/batches/${batchId}`)).status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // until the chain has it and the index caught up
    }

    const harvest = (await h.call("GET", `/api/v1/batches/${batchId}`)).body.events[0];
    const [hash] = harvest.detail.photoHashes as string[];
    const served = Buffer.from(await (await fetch(`${h.base}/photos/${hash}`)).arrayBuffer());
    const figures = {
      sentBytes: sent.length,
      servedBytes: served.length,
      metadataBytesServed: served.length - BARE_JPEG.length,
      metadataFound: containsMetadata(served),
      gps: gpsOf(served) ?? null,
      hashOnChainIsOfServedBytes: keccak256(served) === hash,
    };
    console.log(
      figures.gps
        ? `the public photo carries ${figures.metadataBytesServed} bytes of metadata; its GPS puts the farm at ${figures.gps}`
        : `the public photo carries ${figures.metadataBytesServed} bytes of metadata and no GPS position`,
    );
    console.log(JSON.stringify(figures));
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
