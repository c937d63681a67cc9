/**
 * Scans of a unit's page, and when its page warns that the label may be copied.
 *
 * A scan counts once per client per time window (SCAN_WINDOW_MINUTES). A client is named by an
 * HMAC of its address and user agent, under a key derived from the gateway's master secret
 * (neither is stored); the page hands that name back as the unit's scan cookie, and a client that
 * sends the cookie is named by it, so a phone stays one client across Wi-Fi and mobile data. Each unit
 * keeps three signals: distinct clients, distinct networks (/24 for IPv4, /48 for IPv6) and
 * distinct days (in China) it was scanned from.
 *
 * The counterfeit warning needs all three to agree: more than SCAN_WARN_THRESHOLD clients (30)
 * AND more than SCAN_WARN_NETWORKS networks (3) AND more than SCAN_WARN_DAYS days (1). A copied
 * label, printed on many packs sold in many places, meets all three within a day or two. A family
 * with a genuine pack never does: its few phones are a few clients (repeats within a window do
 * not count at all; its cookie keeps a phone one client across home Wi-Fi and mobile data), far
 * below 30 however many weeks it scans. One machine sending thousands of requests, each with a
 * new user agent or cookie, is many clients but one network, so it cannot make a genuine unit
 * warn either: that takes real addresses in four or more networks, on two or more days.
 */
import { createHmac } from "node:crypto";
import { isIP } from "node:net";
import type { SerialRepository, UnitScanSignals } from "../store/serial-repository";

export interface ScanSettings {
  /** Minutes in which one client's scans count once. */
  windowMinutes: number;
  /** Distinct clients above which (with the networks and days below) a unit's page warns. */
  warnClients: number;
  /** Distinct networks above which … */
  warnNetworks: number;
  /** Distinct China days above which … */
  warnDays: number;
}

export const DEFAULT_SCAN_SETTINGS: ScanSettings = { windowMinutes: 10, warnClients: 30, warnNetworks: 3, warnDays: 1 };

/** Who scanned, as the route knows it. */
export interface ScanningClient {
  address: string;
  userAgent: string;
  /** The unit's scan cookie the client sent back, if any (well-formed only). */
  cookie?: string;
}

export interface UnitScanView extends UnitScanSignals {
  /** Never issued, or scanned by enough clients, networks and days to suggest a copied label. */
  suspect: boolean;
  /** The client's name, which the page sets as its scan cookie when the client sent none. */
  clientId: string;
}

/** A scan cookie: a client's name, 132 bits of HMAC in base64url. */
export const SCAN_COOKIE_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const CHINA_OFFSET_MS = 8 * 3_600_000;

export class UnitScans {
  private readonly key: Buffer;

  constructor(
    private readonly serials: Pick<SerialRepository, "recordScan">,
    /** The gateway's master secret: the key of the client and network hashes is derived from it. */
    secret: string,
    private readonly settings: ScanSettings = DEFAULT_SCAN_SETTINGS,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac("sha256", secret).update("unit-scan-clients v1").digest();
  }

  /** Counts one GET of the unit's page (at most once per client per window) and says whether it warns. */
  scan(batchId: string, serial: string, client: ScanningClient): UnitScanView {
    const at = this.now();
    const clientId = client.cookie && SCAN_COOKIE_PATTERN.test(client.cookie) ? client.cookie : this.hash(`client\n${client.address}\n${client.userAgent}`);
    const signals = this.serials.recordScan(batchId, serial, {
      client: clientId,
      network: this.hash(`network\n${networkOf(client.address)}`),
      day: new Date(at + CHINA_OFFSET_MS).toISOString().slice(0, 10),
      window: Math.floor(at / (this.settings.windowMinutes * 60_000)),
      at: new Date(at).toISOString(),
    });
    return { ...signals, suspect: this.isSuspect(signals), clientId };
  }

  isSuspect(signals: UnitScanSignals): boolean {
    if (!signals.issued) return true;
    const { warnClients, warnNetworks, warnDays } = this.settings;
    return signals.clients > warnClients && signals.networks > warnNetworks && signals.days > warnDays;
  }

  private hash(text: string): string {
    return createHmac("sha256", this.key).update(text).digest("base64url").slice(0, 22);
  }
}

/** The network an address belongs to: its /24 (IPv4, IPv4-mapped IPv6 too) or its /48 (IPv6). */
export function networkOf(address: string): string {
  const plain = address.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  const v4 = mapped ? mapped[1] : plain;
  if (isIP(v4) === 4) return `${v4.split(".").slice(0, 3).join(".")}.0/24`;
  if (isIP(plain) === 6) return `${expandIpv6(plain).slice(0, 3).join(":")}::/48`;
  return `other:${plain}`;
}

/** The eight groups of an IPv6 address, "::" filled in, each without leading zeros. */
function expandIpv6(address: string): string[] {
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::1.2.3.4) stands for two groups.
  const last = right.length ? right : left;
  if (last.length && last[last.length - 1].includes(".")) {
    const [a, b, c, d] = last.pop()!.split(".").map(Number);
    last.push(((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const fill = tail === undefined ? [] : new Array(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((group) => parseInt(group, 16).toString(16));
}
