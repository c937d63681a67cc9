/**
 * What the console's routers need from the rest of the gateway, built by server/gateway.ts: the
 * console asks services and repositories it is given and never opens the database itself.
 */
import type { AccountService } from "../services/account-service";
import type { OrgService } from "../services/org-service";
import type { BatchViews } from "../services/batches/batch-views";
import type { CertificationService } from "../services/certification-service";
import type { EventService } from "../services/event-service";
import type { ImportService } from "../services/import-service";
import type { SerialService } from "../services/serial-service";
import type { ProgrammeCountyService } from "../services/programme-counties";
import type { PurchaseGroups } from "../services/purchase-groups";
import type { CertificationOutboxRepository } from "../store/certification-outbox-repository";
import type { CertificationReads } from "../store/certification-reads";
import type { AcceptedBatchReads } from "../store/accepted-batch-reads";
import type { OrgEventReads } from "../store/org-event-reads";
import type { BatchListReads } from "../store/gateway-reads";
import type { MemberRepository } from "../store/member-repository";
import type { OrgRepository } from "../store/org-repository";
import type { PhotoRepository } from "../store/photo-repository";
import type { EventStatusView } from "../services/event-status";
import type { CustodyStock } from "../services/custody-stock";
import type { PromiseCertificates } from "../services/promise-certificates";

export interface ConsoleDeps {
  accounts: AccountService;
  /** Creating and listing organisations, and their API keys (the admin pages, /console/admin). */
  organisations: OrgService;
  /** Whether a presented string is the admin token (its console sign-in). */
  isAdminToken(token: string): boolean;
  members: MemberRepository;
  orgs: OrgRepository;
  events: EventService;
  certifications: CertificationService;
  serials: SerialService;
  /** What a batch shows, to the API, the pages and its creator. */
  batches: BatchViews;
  listing: BatchListReads;
  /** A producer's batches and their events as the console shows them (accepted and on chain). */
  batchReads: AcceptedBatchReads;
  certificationReads: CertificationReads;
  /** The certification send queue: whose a just-recorded attestation is. */
  certificationWrites: CertificationOutboxRepository;
  /** An organisation's own recent writes. */
  orgEvents: OrgEventReads;
  /** What an organisation holds by the ledger's rules, and which of it a recall reaches. */
  stock: CustodyStock;
  purchaseGroups: PurchaseGroups;
  programmeCounties: ProgrammeCountyService;
  /** Harvest photos, by the hash their harvest puts on chain. */
  photos: PhotoRepository;
  /** An accepted write's status (pending → confirmed), by the id the gateway gave it. */
  eventStatus(eventId: string): EventStatusView | undefined;
  /** CSV imports: checked whole, then recorded row by row in the background. */
  imports: ImportService;
  /** 承诺达标合格证: a batch's current one, and issuing one. */
  promiseCertificates: PromiseCertificates;
  publicBaseUrl: string;
  /** Cookies get the Secure flag (the public base URL is https). */
  secureCookies: boolean;
}
