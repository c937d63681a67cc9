/** What the console's routers need from the rest of the gateway. */
import type { AccountService } from "../services/account-service";
import type { BatchReader } from "../services/batch-reader";
import type { CertificationService } from "../services/certification-service";
import type { EventService } from "../services/event-service";
import type { ImportService } from "../services/import-service";
import type { SerialService } from "../services/serial-service";
import type { Db } from "../store/database";
import type { BatchListReads } from "../store/gateway-reads";
import type { MemberRepository } from "../store/member-repository";
import type { OrgRepository } from "../store/org-repository";
import type { PhotoRepository } from "../store/photo-repository";
import type { EventStatusView } from "../services/event-status";

export interface ConsoleDeps {
  db: Db;
  accounts: AccountService;
  members: MemberRepository;
  orgs: OrgRepository;
  events: EventService;
  certifications: CertificationService;
  serials: SerialService;
  reader: BatchReader;
  listing: BatchListReads;
  /** Harvest photos, by the hash their harvest puts on chain. */
  photos: PhotoRepository;
  /** An accepted write's status (pending → confirmed), by the id the gateway gave it. */
  eventStatus(eventId: string): EventStatusView | undefined;
  /** CSV imports: checked whole, then recorded row by row in the background. */
  imports: ImportService;
  publicBaseUrl: string;
  /** Cookies get the Secure flag (the public base URL is https). */
  secureCookies: boolean;
}
