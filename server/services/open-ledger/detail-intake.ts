/**
 * Takes in details and photos from outside this gateway (a bundle file, a peer gateway) and keeps
 * only what the chain vouches for: a detail whose keccak256 is a data hash the chain holds, a
 * photo whose keccak256 a harvest on chain names. Everything else is refused and counted, never
 * stored. From each kept detail it learns the organisations it names (the signer's own name
 * first), so that the pages of a replica or a rebuilt index say who did what.
 */
import { getAddress, isAddress } from "ethers";
import { detailMatches, photoMatches } from "../../domain/ledger-bundle";
import { ROLE_NAMES } from "../../domain/event-kinds";
import type { DetailFeedReads } from "../../store/detail-feed-reads";
import type { EventDetails } from "../../store/event-details";
import type { OrgRepository } from "../../store/org-repository";
import type { PhotoRepository, PhotoType } from "../../store/photo-repository";

export type IntakeOutcome =
  /** Stored now. */
  | "kept"
  /** Already here. */
  | "known"
  /** Its hash is not what the chain holds: tampered or corrupt. */
  | "refused"
  /** The chain (as indexed here so far) holds no such hash. */
  | "unreferenced";

export interface IntakeReport {
  kept: number;
  known: number;
  refused: Array<{ hash: string; source: string; reason: string }>;
  unreferenced: number;
}

const PHOTO_TYPES: readonly string[] = ["image/jpeg", "image/png", "image/webp"];

export function emptyReport(): IntakeReport {
  return { kept: 0, known: 0, refused: [], unreferenced: 0 };
}

export class DetailIntake {
  constructor(
    private readonly details: EventDetails,
    private readonly chain: DetailFeedReads,
    private readonly orgs: OrgRepository,
    private readonly photos: PhotoRepository,
    /** Where refusals are also recorded (the detail_refusals table), beside the report. */
    private readonly refusals?: (hash: string, source: string, reason: string) => void,
  ) {}

  /** Checks one detail against the chain's hash and keeps it; `source` names where it came from. */
  takeDetail(dataHash: string, detail: string, source: string, report: IntakeReport): IntakeOutcome {
    const hash = dataHash.toLowerCase();
    const outcome = this.outcomeOf(hash, detail);
    if (outcome === "refused") {
      this.refuse(hash, source, "its keccak256 is not the data hash the chain recorded", report);
      return outcome;
    }
    if (outcome === "unreferenced") {
      report.unreferenced++;
      return outcome;
    }
    if (outcome === "kept") this.details.put(hash, detail);
    report[outcome]++;
    this.learnFrom(hash, detail);
    return outcome;
  }

  /**
   * Checks a photo against its hash and keeps it when a harvest on chain names it (`owner`: the
   * organisation that recorded that harvest, from photosWanted).
   */
  takePhoto(hash: string, contentType: string, bytes: Buffer, owner: string | undefined, source: string, report: IntakeReport): IntakeOutcome {
    const photoHash = hash.toLowerCase();
    if (!photoMatches(photoHash, bytes) || !PHOTO_TYPES.includes(contentType)) {
      this.refuse(photoHash, source, "its keccak256 is not the hash the harvest names, or it is not a photo", report);
      return "refused";
    }
    if (!owner) {
      report.unreferenced++;
      return "unreferenced";
    }
    const added = this.photos.saveNew([{ hash: photoHash, orgId: owner, contentType: contentType as PhotoType, bytes }]).length === 1;
    report[added ? "kept" : "known"]++;
    return added ? "kept" : "known";
  }

  /** The photos harvests on chain name that this gateway lacks, with who recorded each. */
  photosWanted(limit = 10_000): Map<string, string> {
    return new Map(this.chain.photosWanted(limit).map(({ hash, orgId }) => [hash, orgId]));
  }

  private refuse(hash: string, source: string, reason: string, report: IntakeReport): void {
    report.refused.push({ hash, source, reason });
    this.refusals?.(hash, source, reason);
  }

  private outcomeOf(hash: string, detail: string): IntakeOutcome {
    if (!detailMatches(hash, detail)) return "refused";
    if (!this.chain.isOnChain(hash)) return "unreferenced";
    return this.details.get(hash) ? "known" : "kept";
  }

  /**
   * The organisations a detail names: its signer (`org`, when its address is the chain's signer
   * of this hash: the name it gave itself) and a shipment's consignee. Known ones stay as they are.
   */
  private learnFrom(hash: string, detail: string): void {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(detail) as Record<string, unknown>;
    } catch {
      return;
    }
    const signer = this.chain.signerOf(hash);
    const author = orgNamed(parsed.org);
    if (author && signer && author.address === getAddress(signer)) this.orgs.learn(author);
    const consignee = orgNamed(parsed.consignee);
    if (consignee) this.orgs.learn(consignee);
  }
}

/** {id, name, role, address} as a detail names an organisation, or undefined when it is not one. */
function orgNamed(value: unknown): { id: string; name: string; role: string; address: string } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { id, name, role, address } = value as Record<string, unknown>;
  if (typeof id !== "string" || typeof name !== "string" || typeof address !== "string" || !isAddress(address)) return undefined;
  if (typeof role !== "string" || ![...ROLE_NAMES, "admin"].includes(role)) return undefined;
  return { id, name, role, address: getAddress(address) };
}
