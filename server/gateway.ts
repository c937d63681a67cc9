/**
 * Builds the gateway from its parts: repositories over one SQLite database, the services, the
 * relayer, the certification sender, the indexer and the Express app. It listens nowhere and
 * reads no environment: server/index.ts (or a test) supplies the chain, keys and settings.
 */
import type { Logger } from "pino";
import type { JsonRpcApiProvider, Wallet } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp } from "./app";
import { LIMIT_DEFAULTS, type Limits } from "./config";
import { openUploadFolder, type ConsoleUploads } from "./console/uploads/console-bodies";
import { UploadSlots } from "./console/uploads/upload-slots";
import { certificationRoutes } from "./api/certification-routes";
import { openApiDocument } from "./api/openapi";
import { orgRoutes } from "./api/org-routes";
import { readRoutes } from "./api/read-routes";
import { detailRoutes } from "./api/detail-routes";
import { DetailFeedReads } from "./store/detail-feed-reads";
import { DetailRefusals } from "./store/detail-refusals";
import { DetailIntake, emptyReport } from "./services/open-ledger/detail-intake";
import { PeerDetails } from "./services/open-ledger/peer-details";
import { createDetailSync } from "./workers/detail-sync";
import type { RouteSpec } from "./api/route-spec";
import { signingRoutes } from "./api/signing-routes";
import { systemRoutes } from "./api/system-routes";
import { writeRoutes } from "./api/write-routes";
import { epcisRoutes } from "./api/epcis-routes";
import { EpcisEventStore } from "./store/epcis-events";
import { EpcisCaptureRepository } from "./store/epcis-capture-repository";
import { EpcisProjector } from "./services/epcis/epcis-projector";
import { CAPTURE_DEFAULTS, EpcisCaptureService } from "./services/epcis/epcis-capture";
import { batchesOfJourney } from "./services/epcis/batch-journey";
import { glnOfParty } from "./domain/epcis/capture-mapping";
import { createEpcisProjection } from "./workers/epcis-projection";
import { epcisSubscriptionRoutes } from "./api/epcis-subscription-routes";
import { EpcisSubscriptionRepository } from "./store/epcis-subscription-repository";
import { EpcisSubscriptions } from "./services/epcis/epcis-subscriptions";
import { TokenSeal } from "./services/epcis/webhook-delivery";
import { createEpcisWebhooks, WEBHOOK_DEFAULTS } from "./workers/epcis-webhooks";
import type { Deployment } from "./chain/deploy-ledger";
import { LedgerAdmin } from "./chain/ledger-admin";
import { loadLedgerArtifact } from "./chain/ledger-artifact";
import { ledgerDomain } from "./chain/typed-data";
import { createIndexer } from "./workers/indexer";
import { CustodialKeys } from "./keys/custodial-keys";
import { createCertificationSender } from "./workers/relayer/certification-sender";
import { createRelayer } from "./workers/relayer/relayer";
import { startChainThread } from "./workers/chain-thread/thread";
import { writeLockFirst } from "./workers/chain-thread/write-lock-first";
import { BatchViews } from "./services/batches/batch-views";
import { BatchVerifier } from "./services/batch-verifier";
import { CertificationService } from "./services/certification-service";
import { EventPlanner } from "./services/event-planner";
import { batchStateOf } from "./services/batch-state";
import { EventStatuses } from "./services/event-status";
import { EventService } from "./services/event-service";
import { RoleGuard } from "./services/role-standing";
import { RoleIndexRepository } from "./store/role-index";
import { OrgService, hashSecret, isAdminToken } from "./services/org-service";
import { CertificationOutboxRepository } from "./store/certification-outbox-repository";
import type { Db } from "./store/database";
import { AcceptedEventReads, BatchListReads, ChainCertificationReads } from "./store/gateway-reads";
import { GroupCommit } from "./store/group-commit";
import { IdempotencyRepository } from "./store/idempotency-repository";
import { IndexCursor } from "./store/index-cursor";
import { IndexRepository } from "./store/index-repository";
import { LEDGER_ADMIN_ORG_ID, OrgRepository, type Org } from "./store/org-repository";
import { LedgerEntryReads } from "./store/ledger-entry-reads";
import { StockReads } from "./store/stock-reads";
import { CustodyStock } from "./services/custody-stock";
import { LedgerFacts } from "./services/ledger-rules/ledger-facts";
import { OutboxRepository } from "./store/outbox-repository";
import { EventDetails } from "./store/event-details";
import { SigningRequestRepository } from "./store/signing-request-repository";
import { acceptedRuleBreak, createEventResigner } from "./services/event-resigner";
import { serialRoutes } from "./api/serial-routes";
import { memberRoutes } from "./api/member-routes";
import { SerialService } from "./services/serial-service";
import { ProgrammeCountyRepository } from "./store/programme-county-repository";
import { SerialRepository } from "./store/serial-repository";
import { webRoutes } from "./web/web-routes";
import { verificationPages } from "./web/verify-page";
import { frontDoorRoutes } from "./web/front-door-routes";
import { FrontDoorReads } from "./store/front-door-reads";
import { PromiseCertificateRepository } from "./store/promise-certificate-repository";
import { PromiseCertificates } from "./services/promise-certificates";
import { promiseCertificateRoutes } from "./api/promise-certificate-routes";
import { promiseCertificateRoutes as promiseCertificatePages } from "./web/promise-certificate-routes";
import { photoRoutes } from "./web/photo-routes";
import { AcceptedBatchReads } from "./store/accepted-batch-reads";
import { CertificationReads } from "./store/certification-reads";
import { OrgEventReads } from "./store/org-event-reads";
import { SalesReads } from "./store/sales-reads";
import { PurchaseGroups } from "./services/purchase-groups";
import { SalesSummary } from "./store/sales-summary";
import { createSalesSummaries } from "./workers/sales-summaries";
import { ProgrammeCountyService } from "./services/programme-counties";
import { consoleRoutes } from "./console/console-routes";
import type { ConsoleDeps } from "./console/context";
import { consoleFeatures } from "./console/features";
import { AccountService, DEFAULT_ACCOUNT_SETTINGS } from "./services/account-service";
import { MemberRepository } from "./store/member-repository";
import { dataVersion } from "./store/data-version";
import { AncestryReads } from "./store/ancestry-reads";
import { BatchVersions } from "./store/batch-versions";
import { importRoutes } from "./api/import-routes";
import { createImportRunner } from "./workers/import-runner";
import { ImportService } from "./services/import-service";
import { ImportRepository } from "./store/import-repository";
import { PhotoRepository } from "./store/photo-repository";
import { PrivateFieldRepository } from "./store/private-field-repository";
import { PrivateFieldProofs } from "./services/private-field-proofs";
import { privateFieldRoutes } from "./api/private-field-routes";
import { UnitScans } from "./services/unit-scans";
import { createChainProbe } from "./services/operations/chain-probe";
import {
  CAPACITY_DEFAULTS,
  capacityWarnings,
  judgeReadiness,
  READINESS_DEFAULTS,
  type CapacityLimits,
  type ChainProcessState,
  type ReadinessLimits,
} from "./services/operations/readiness";
import { SendQueueFigures } from "./store/send-queue-figures";
import type { Readiness } from "./api/system-routes";
import { Drain } from "./web/draining";
import { confirmationsFinality, type ChainFinality } from "./chain/finality";
import { createMetrics, mayReadMetrics } from "./web/metrics";

export interface GatewayOptions {
  db: Db;
  /** A provider that does not cache reads (JsonRpcProvider or the embedded chain's IpcProvider, with cacheTimeout -1). */
  provider: JsonRpcApiProvider;
  relayerWallet: Wallet;
  /** The ledger admin's key: deploys, grants roles, relays certifications, signs the programme office's corrections. */
  adminSigner: Wallet;
  deployment: Deployment;
  adminToken: string;
  masterSecret: string;
  /** scrypt work factor of custodial keystores; lowered only by tests. */
  scryptN?: number;
  /** scrypt work factor of console passwords (2^15); lowered only by tests. */
  passwordScryptN?: number;
  confirmations: number;
  /**
   * Which blocks are final (chain/finality.ts): "confirmed" and the index stop there. A remote
   * chain's rule (`confirmations` blocks on top) unless given; the embedded chain gives its saved state.
   */
  finality?: ChainFinality;
  /** The first block whose logs the chain keeps, given the head (the embedded chain's last blocks); every block's unless given. */
  historyFrom?: (head: number) => number;
  /** When /readyz warns of the embedded chain's state file (CAPACITY_DEFAULTS where absent). */
  capacity?: Partial<CapacityLimits>;
  relayer: { batchSize: number; intervalMs: number; replaceAfterMs: number };
  indexer: { intervalMs: number };
  publicBaseUrl: string;
  web?: {
    explorerUrl?: string;
    /** Requests per minute per client address on the public pages; 0: no limit. */
    rateLimitPerMinute: number;
    /** A unit's page warns of a copied label once more than this many distinct clients scanned it … */
    scanWarnThreshold: number;
    /** … from more than this many networks … */
    scanWarnNetworks?: number;
    /** … on more than this many China days. */
    scanWarnDays?: number;
    /** One client's scans of a unit count once in this many minutes. */
    scanWindowMinutes?: number;
  };
  logger: Logger;
  /** What clients may send (config's LIMIT_DEFAULTS where absent). */
  limits?: Partial<Limits>;
  /** Where uploads wait until their request is answered (DATA_DIR/uploads); a temporary folder when absent. */
  uploadDir?: string;
  /**
   * A read gateway: it indexes the chain and serves pages and reads, takes no writes (refused
   * before a body is read, naming `writeGatewayUrl`), and starts no relayer or sender.
   */
  readOnly?: { writeGatewayUrl?: string };
  /** Other gateways of the deployment: the details this one lacks are fetched from them and checked against the chain. */
  peers?: string[];
  /** How often the details missing here are asked of the peers (ms). */
  detailSyncIntervalMs?: number;
  /** The embedded chain's process as its supervisor sees it (absent on a remote chain): /readyz and /metrics report it. */
  chainProcess?: () => { up: boolean; restarts: number; lastExit?: string };
  /** When /readyz says not ready (READINESS_DEFAULTS where absent); lowered only by tests. */
  readiness?: Partial<ReadinessLimits>;
  /**
   * Run the relayer and the indexer on a thread of their own (workers/chain-thread), which reaches
   * the chain through `chain` and opens its own connection to the database's file; on the
   * gateway's thread when absent (a chain in this process, such as Hardhat's, cannot be shared).
   * `keepBlocks`: the embedded chain keeps the logs of its last blocks only (historyFrom's rule).
   */
  chainThread?: { chain: { ipcPath: string } | { rpcUrl: string }; keepBlocks?: number };
  /** The EPCIS subscriptions' webhook worker (workers/epcis-webhooks.ts WEBHOOK_DEFAULTS where absent); tests make it fast. */
  epcisWebhooks?: { intervalMs?: number; timeoutMs?: number; stopGraceMs?: number };
}

const WEB_DEFAULTS = { rateLimitPerMinute: 600, scanWarnThreshold: 30, scanWarnNetworks: 3, scanWarnDays: 1, scanWindowMinutes: 10 };
/** How pages and details name the ledger admin's corrections and recalls. */
const LEDGER_ADMIN_NAME = "消费帮扶办公室 (programme office)";

/** What an organisation published of its contact, for the public pages; undefined when nothing. */
function publicContactOf(org: Org | undefined): { person?: string; phone?: string; address?: string } | undefined {
  if (!org || !(org.contactPerson || org.contactPhone || org.postalAddress)) return undefined;
  return {
    ...(org.contactPerson ? { person: org.contactPerson } : {}),
    ...(org.contactPhone ? { phone: org.contactPhone } : {}),
    ...(org.postalAddress ? { address: org.postalAddress } : {}),
  };
}

export function createGateway(options: GatewayOptions) {
  const { deployment, logger } = options;
  // Two connections write the file once the chain thread has its own: see write-lock-first.ts.
  const db = options.chainThread ? writeLockFirst(options.db) : options.db;
  const artifact = loadLedgerArtifact();
  const domain = ledgerDomain(deployment.chainId, deployment.address);
  const log = (component: string) => (message: string) => logger.info({ component }, message);
  const finality = options.finality ?? confirmationsFinality(options.confirmations);
  /** Between start() and stop(): the workers may be nudged. */
  let running = false;

  const orgs = new OrgRepository(db);
  const outbox = new OutboxRepository(db);
  const certificationOutbox = new CertificationOutboxRepository(db);
  const index = new IndexRepository(db);
  const accepted = new AcceptedEventReads(db);
  const keys = new CustodialKeys(options.masterSecret, options.scryptN);
  const ledgerAdmin = new LedgerAdmin(deployment.address, artifact.abi, options.adminSigner);

  const batchState = batchStateOf(outbox, accepted, index);
  const orgService = new OrgService(orgs, keys, ledgerAdmin);
  const commits = new GroupCommit(db);
  const answers = new IdempotencyRepository(db);
  const details = new EventDetails(db);
  const ledgerAdminOrg = orgs.ensureLedgerAdmin(deployment.admin, LEDGER_ADMIN_NAME);
  // Former admins too: their corrections and recalls in the history were signed while they held the role.
  const admins = new Set([deployment.admin, ...(deployment.formerAdmins ?? [])].map((a) => a.toLowerCase()));
  const isAdmin = (address: string) => admins.has(address.toLowerCase());
  const entryReads = new LedgerEntryReads(db);
  const planner = new EventPlanner({
    batches: batchState,
    entries: entryReads,
    orgs,
    isAdmin,
    eventById: (eventId) => {
      const event = outbox.byId(eventId);
      return event && event.status !== "failed" ? { batchId: event.batchId, dataHash: event.dataHash } : undefined;
    },
  });
  const privateFields = new PrivateFieldRepository(db);
  const roleGuard = new RoleGuard(new RoleIndexRepository(db));
  // 承诺达标合格证: issued by a batch's holder; a processing's outputs get theirs, and a receipt
  // collects the batch's current one, in the same transaction as the write (EventService's hook).
  const promiseCertificates = new PromiseCertificates({
    repo: new PromiseCertificateRepository(db),
    entries: entryReads,
    batches: batchState,
    keys,
    commits,
    isAdmin,
    publicBaseUrl: options.publicBaseUrl,
    roles: roleGuard,
  });
  const events = new EventService(details, planner, outbox, answers, keys, domain, commits, privateFields, batchState.expectedTip, roleGuard, (org, planned, privateKey) =>
    promiseCertificates.afterWrite(org, planned, privateKey),
  );
  const adminWriter = { org: ledgerAdminOrg, privateKey: options.adminSigner.privateKey };
  const importRows = new ImportRepository(db);
  const importRunner = createImportRunner({ imports: importRows, events, orgs, log: log("imports") });
  const limits: Limits = { ...LIMIT_DEFAULTS, ...options.limits };
  const imports = new ImportService(importRows, events, orgs, () => importRunner.wake(), { maxBytes: limits.csvMaxBytes, maxRows: limits.csvMaxRows });
  const uploadRoom = new UploadSlots(limits.uploadsInFlightBytes);
  const uploads: ConsoleUploads = {
    dir: openUploadFolder(options.uploadDir ?? mkdtempSync(path.join(tmpdir(), "gateway-uploads-"))),
    slots: uploadRoom,
    csvMaxBytes: limits.csvMaxBytes,
  };
  const certifications = new CertificationService(
    details,
    certificationOutbox,
    orgs,
    batchState,
    new ChainCertificationReads(db),
    keys,
    domain,
    answers,
    roleGuard,
  );
  const batchReads = new AcceptedBatchReads(db);
  const listing = new BatchListReads(db);
  const batches = new BatchViews({
    index,
    blocks: new IndexCursor(db),
    accepted,
    orgs,
    chain: { chainId: deployment.chainId, contract: deployment.address },
    counties: new ProgrammeCountyRepository(db),
    creatorReads: batchReads,
    listing,
    rules: (batchId) => new LedgerFacts(entryReads, "chain", { isAdmin, now: Date.now() }).ledger(batchId),
    privateValues: (dataHash) => privateFields.valuesOf(dataHash),
    promiseCertificate: (batchId) => {
      const current = promiseCertificates.currentOf(batchId);
      return current && { id: current.id, certificateNo: current.certificateNo, issuedOn: current.issuedOn, issuer: current.content.promiser.name };
    },
    ancestry: new AncestryReads(db),
    // The shopper page's contacts: a producer's, and the programme office's (the ledger admin's organisation).
    contacts: { of: (orgId) => publicContactOf(orgs.byId(orgId)), programme: () => publicContactOf(orgs.byId(LEDGER_ADMIN_ORG_ID)) },
  });
  const verifier = new BatchVerifier(
    options.provider,
    deployment.address,
    deployment.deployBlock,
    // Details are kept by their hash, whoever wrote them: the chain's data hash finds them.
    (_batchId, dataHash) => details.get(dataHash)?.detail,
    (dataHash) => details.get(dataHash)?.detail,
    isAdmin,
  );
  const serials = new SerialRepository(db);
  const serialService = new SerialService(serials, answers, batchState.creatorOf, options.publicBaseUrl);
  const members = new MemberRepository(db);
  const accounts = new AccountService(members, orgs, {
    ...DEFAULT_ACCOUNT_SETTINGS,
    scryptN: options.passwordScryptN ?? DEFAULT_ACCOUNT_SETTINGS.scryptN,
  });
  const web = { ...WEB_DEFAULTS, ...options.web };

  // The indexer reports a failed tick only in its log: counted here for /metrics.
  let indexerFailures = 0;
  const indexerLog = log("indexer");
  const countIndexerFailures = (message: string) => {
    if (message.startsWith("indexer tick failed")) indexerFailures++;
    indexerLog(message);
  };
  const resign = createEventResigner(orgs, keys, domain, acceptedRuleBreak(entryReads, isAdmin));
  // The relayer and the indexer: on the chain thread when the gateway has one (the same workers,
  // with their own SQLite connection and chain connection), else on this thread.
  const chainThread = options.chainThread
    ? startChainThread({
        db,
        setup: {
          chain: options.chainThread.chain,
          keepBlocks: options.chainThread.keepBlocks,
          relayerKey: options.relayerWallet.privateKey,
          deployment: { address: deployment.address, deployBlock: deployment.deployBlock, chainId: deployment.chainId, admins: [...admins] },
          confirmations: options.confirmations,
          relayer: { batchSize: options.relayer.batchSize, replaceAfterMs: options.relayer.replaceAfterMs },
          masterSecret: options.masterSecret,
          scryptN: options.scryptN,
        },
        finalBlock: finality.finalBlock,
        log: (component, message) => (component === "indexer" ? countIndexerFailures(message) : log("relayer")(message)),
      })
    : undefined;
  const indexer =
    chainThread?.indexer ??
    createIndexer({
      db,
      provider: options.provider,
      address: deployment.address,
      deployBlock: deployment.deployBlock,
      confirmations: options.confirmations,
      finalBlock: finality.finalBlock,
      historyFrom: options.historyFrom,
      log: countIndexerFailures,
    });
  const relayer =
    chainThread?.relayer ??
    createRelayer({
      db,
      wallet: options.relayerWallet,
      ledger: { address: deployment.address, abi: artifact.abi },
      fromBlock: deployment.deployBlock,
      batchSize: options.relayer.batchSize,
      replaceAfterMs: options.relayer.replaceAfterMs,
      finalBlock: finality.finalBlock,
      resign,
      log: log("relayer"),
    });
  const certificationSender = createCertificationSender({
    repo: certificationOutbox,
    ledger: ledgerAdmin.ledger,
    provider: options.provider,
    serialize: (send) => ledgerAdmin.serialize(send),
    batchOnItsWay: (batchId) => outbox.creationInFlight(batchId),
    finalBlock: finality.finalBlock,
    log: log("certifications"),
  });

  const detailFeed = new DetailFeedReads(db);
  const refusals = new DetailRefusals(db);
  const intake = new DetailIntake(details, detailFeed, orgs, new PhotoRepository(db), (hash, source, reason) => refusals.record(hash, source, reason));
  const detailSync = options.peers?.length
    ? createDetailSync({
        peers: new PeerDetails({ peers: options.peers, intake, feed: detailFeed, transaction: (work) => db.transaction(work)(), log: log("detail sync") }),
        log: log("detail sync"),
      })
    : undefined;

  // ?wait=confirmed waits for the index too: the reads come from it (services/event-status.ts).
  const statuses = new EventStatuses(outbox, certificationOutbox, () => indexer.status().cursor);
  const eventStatus = (eventId: string) => statuses.of(eventId);

  // EPCIS 2.0: the public details projected as EPCIS events; capture as the API's writes.
  const epcisEvents = new EpcisEventStore(db);
  const epcisProjector = new EpcisProjector(epcisEvents, { publicBaseUrl: options.publicBaseUrl, chainId: deployment.chainId, contract: deployment.address });
  const epcisProjection = createEpcisProjection({ catchUp: (limit) => epcisProjector.catchUp(limit), log: log("epcis") });
  // The programme's purchase figures, summed as sales are indexed.
  const salesSummary = new SalesSummary(db);
  const salesSummaries = createSalesSummaries({ catchUp: (limit) => salesSummary.catchUp(limit), log: log("sales summaries") });
  const epcisCapture = new EpcisCaptureService({
    events,
    captures: new EpcisCaptureRepository(db),
    // A party named by its GLN (…/417/{gln} or …/414/{gln}); did:pkh names an address directly.
    organisationOf: (uri) => {
      const gln = glnOfParty(uri);
      return gln ? orgs.byGln(gln)?.id : undefined;
    },
    eventStatus,
  });
  // EPCIS query subscriptions: each new matching event POSTed to the partner's receiver, signed,
  // until it answers 2xx. Subscribing is a write: a read gateway offers none and delivers none.
  const epcisSubscriptionRows = new EpcisSubscriptionRepository(db);
  const tokenSeal = new TokenSeal(options.masterSecret);
  const epcisSubscriptions = new EpcisSubscriptions({ subscriptions: epcisSubscriptionRows, store: epcisEvents, projector: epcisProjector, seal: tokenSeal });
  const epcisWebhooks = options.readOnly
    ? undefined
    : createEpcisWebhooks({
        subscriptions: epcisSubscriptionRows,
        store: epcisEvents,
        projector: epcisProjector,
        seal: tokenSeal,
        log: log("epcis webhooks"),
        timeoutMs: options.epcisWebhooks?.timeoutMs,
        stopGraceMs: options.epcisWebhooks?.stopGraceMs,
      });

  // Readiness and the operator's figures: the chain asked directly (at most once a second), the
  // index, the send queue, the relayer's ticks and the embedded chain's process.
  const drain = new Drain();
  const probe = createChainProbe({ blockNumber: async () => Number(await options.provider.send("eth_blockNumber", [])) });
  const queueFigures = options.readOnly ? undefined : new SendQueueFigures(db);
  const readinessLimits = { ...READINESS_DEFAULTS, ...options.readiness };
  const capacityLimits = { ...CAPACITY_DEFAULTS, ...options.capacity };
  const readiness = async (): Promise<Readiness> => {
    const chain = await probe.check();
    const status = indexer.status();
    const backlog = queueFigures?.backlog();
    const relaying = options.readOnly ? undefined : relayer.health();
    const chainProcess: ChainProcessState | undefined = options.chainProcess?.();
    const sync = detailSync?.status();
    const reasons = judgeReadiness(
      {
        now: Date.now(),
        stopping: drain.draining,
        chain,
        chainProcess,
        indexedBlock: status.cursor,
        finalBlock: finality.finalBlock,
        historyGap: status.historyGap,
        oldestUnsettledAt: backlog?.oldestUnsettledAt,
        relayerProgressAt: relaying?.progressAt,
        relayerFailingSince: relaying?.failingSince,
        relayerLastError: relaying?.lastError,
      },
      readinessLimits,
    );
    const warnings = capacityWarnings(chainProcess, capacityLimits);
    return {
      ready: reasons.length === 0,
      ...(warnings.length > 0 && { warnings }),
      indexedBlock: status.cursor,
      chainBlock: chain.head ?? status.chainHead,
      reasons,
      readOnly: Boolean(options.readOnly),
      chain: {
        reachable: chain.reachable,
        ...(chain.answeredAt !== undefined && { answeredAt: new Date(chain.answeredAt).toISOString() }),
        ...(chain.error !== undefined && { error: chain.error }),
      },
      ...(backlog && {
        sendQueue: {
          pending: backlog.pending,
          submitted: backlog.submitted,
          failed: backlog.failed,
          oldestWaitSeconds: backlog.oldestUnsettledAt === undefined ? 0 : Math.round((Date.now() - backlog.oldestUnsettledAt) / 1000),
        },
      }),
      ...(relaying && { relayer: { failures: relaying.failures, consecutiveFailures: relaying.consecutiveFailures, ...(relaying.lastError && { lastError: relaying.lastError }) } }),
      ...(chainProcess && { embeddedChain: chainProcess }),
      ...(sync ? { details: { missing: sync.missing, refused: sync.refused, keptFromPeers: sync.kept } } : {}),
    };
  };
  const metrics = createMetrics({
    queue: queueFigures,
    indexedBlock: () => indexer.status().cursor,
    finalBlock: finality.finalBlock,
    chain: () => probe.check(),
    relayerFailures: options.readOnly ? undefined : () => relayer.health().failures,
    indexerFailures: () => indexerFailures,
    chainProcess: options.chainProcess,
    detailSync: detailSync ? () => detailSync.status() : undefined,
    ready: async () => (await readiness()).ready,
  });

  const adminTokenHash = hashSecret(options.adminToken);
  // ?wait=confirmed, the same for every write route. A stop ends the wait: the write is kept, and its answer says where it stands.
  const confirmedWait = {
    eventStatus,
    waitForSettled: (ids: string[], timeoutMs: number) => {
      const settled = statuses.waitForSettled(ids, timeoutMs);
      settled.catch(() => undefined); // after a stop the database may close under the wait
      return Promise.race([settled, drain.begun]);
    },
  };
  const routes: RouteSpec[] = [];
  routes.push(
    ...systemRoutes({
      chain: { chainId: deployment.chainId, contract: deployment.address, deployBlock: deployment.deployBlock },
      ready: readiness,
      metrics: {
        allowed: (request) => {
          const token = request.get("Authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
          return mayReadMetrics(request.socket.remoteAddress, isAdminToken(token, adminTokenHash));
        },
        render: () => metrics.render(),
      },
      openApi: () => openApiDocument(routes, options.publicBaseUrl),
    }),
    ...orgRoutes(orgService),
    ...memberRoutes(accounts),
    ...writeRoutes({
      events,
      admin: adminWriter,
      ...confirmedWait,
    }),
    ...certificationRoutes(certifications, confirmedWait),
    ...signingRoutes({
      events,
      requests: new SigningRequestRepository(db),
      domain,
      expectedHead: batchState.expectedHead,
      commit: (work) => commits.run(work),
      wait: confirmedWait,
    }),
    ...serialRoutes(serialService),
    ...importRoutes(imports, confirmedWait),
    ...readRoutes({
      batches,
      verifier,
      verifyPage: verificationPages({
        verifier,
        provider: options.provider,
        orgByAddress: (address) => orgs.byAddress(address),
        detailOf: (dataHash) => details.get(dataHash)?.detail,
        onChainError: (err, batchId) => logger.warn({ component: "verify-page", err, batchId }, "could not read the chain for a verification page"),
      }),
    }),
    ...epcisRoutes({
      store: epcisEvents,
      projector: epcisProjector,
      capture: epcisCapture,
      limits: CAPTURE_DEFAULTS,
      publicBaseUrl: options.publicBaseUrl,
      journeyOf: (batchId) => batchesOfJourney(index, batchId),
      wait: confirmedWait,
    }),
    ...(options.readOnly ? [] : epcisSubscriptionRoutes(epcisSubscriptions)),
    ...detailRoutes({
      publicDetail: (dataHash) => details.publicDetail(dataHash),
      feed: detailFeed,
      indexedBlock: () => indexer.status().cursor,
      importDetails: (items, source) => {
        const report = emptyReport();
        db.transaction(() => {
          for (const { dataHash, detail } of items) intake.takeDetail(dataHash, detail, source, report);
        })();
        return report;
      },
    }),
    ...promiseCertificateRoutes(promiseCertificates, options.publicBaseUrl),
    ...privateFieldRoutes(
      new PrivateFieldProofs({
        event: (eventId) => outbox.byId(eventId),
        detail: (dataHash) => details.get(dataHash)?.detail,
        valuesOf: (dataHash) => privateFields.valuesOf(dataHash),
      }),
    ),
  );

  const photos = new PhotoRepository(db);
  const consoleDeps: ConsoleDeps = {
    accounts,
    organisations: orgService,
    isAdminToken: (token) => isAdminToken(token, adminTokenHash),
    members,
    orgs,
    events,
    certifications,
    serials: serialService,
    batches,
    listing,
    batchReads,
    certificationReads: new CertificationReads(db),
    certificationWrites: certificationOutbox,
    orgEvents: new OrgEventReads(db),
    stock: new CustodyStock(new StockReads(db), entryReads, isAdmin),
    purchaseGroups: new PurchaseGroups(new SalesReads(db), dataVersion(db)),
    programmeCounties: new ProgrammeCountyService(new ProgrammeCountyRepository(db)),
    photos,
    eventStatus,
    imports,
    promiseCertificates,
    publicBaseUrl: options.publicBaseUrl,
    secureCookies: options.publicBaseUrl.startsWith("https:"),
  };
  const app = createApp({
    routes,
    logger,
    publicBaseUrl: options.publicBaseUrl,
    readOnly: options.readOnly,
    rateLimits: { apiReadsPerMinute: limits.apiReadsPerMinute, verifiesPerMinute: limits.verifiesPerMinute },
    csvUpload: { maxBytes: limits.csvMaxBytes, room: uploadRoom },
    epcisCaptureBytes: CAPTURE_DEFAULTS.maxBytes,
    drain,
    metrics,
    web: [frontDoorRoutes({ reads: new FrontDoorReads(db), rateLimitPerMinute: web.rateLimitPerMinute, readOnly: options.readOnly }), consoleRoutes(consoleDeps, consoleFeatures(consoleDeps), uploads), photoRoutes(photos), promiseCertificatePages({
      certificate: (id) => promiseCertificates.byId(id),
      rateLimitPerMinute: web.rateLimitPerMinute,
    }), webRoutes({
      batches,
      versions: BatchVersions.of(db),
      // The resolver's gs1:certificationInfo: the batch's 承诺达标合格证 beside its 圳品 certificates.
      extraCertificationLinks: (batchId) =>
        promiseCertificates.promiseCertificateLinks(batchId).map(({ href, title, lang, type }) => ({ href, title, type, hreflang: [lang] })),
      serials,
      publicBaseUrl: options.publicBaseUrl,
      explorerUrl: web.explorerUrl,
      scans: new UnitScans(serials, options.masterSecret, {
        warnClients: web.scanWarnThreshold,
        warnNetworks: web.scanWarnNetworks,
        warnDays: web.scanWarnDays,
        windowMinutes: web.scanWindowMinutes,
      }),
      rateLimitPerMinute: web.rateLimitPerMinute,
      readOnly: options.readOnly,
    })],
    auth: {
      org: (apiKey) => {
        try {
          return orgService.authenticate(apiKey);
        } catch {
          return undefined;
        }
      },
      isAdmin: (token) => isAdminToken(token, adminTokenHash),
    },
  });

  return {
    app,
    routes,
    accounts,
    indexer,
    relayer,
    certificationSender,
    outbox,
    importRunner,
    detailSync,
    epcisWebhooks,
    intake,
    metrics,
    /** 承诺达标合格证; promiseCertificateLinks(batchId) is what a batch's linkset offers. */
    promiseCertificates,
    /** The first step of a stop: writes are refused (503) from now on and /readyz says so. */
    stopTakingWrites() {
      drain.begin();
    },
    /** The chain saved its state (more blocks are final): confirm and index them now rather than next tick. */
    chainSaved() {
      if (!running) return;
      chainThread?.refreshFinality();
      const ignore = () => undefined; // a failed tick is logged by its worker
      if (!options.readOnly) {
        relayer.tick().catch(ignore);
        certificationSender.tick().catch(ignore);
      }
      indexer.tick().catch(ignore);
    },
    start() {
      running = true;
      indexer.start(options.indexer.intervalMs);
      epcisProjection.start(options.indexer.intervalMs);
      salesSummaries.start(options.indexer.intervalMs);
      detailSync?.start(options.detailSyncIntervalMs ?? 2_000);
      if (options.readOnly) return; // nothing to send: a read gateway takes no writes
      relayer.start(options.relayer.intervalMs);
      certificationSender.start(options.relayer.intervalMs);
      importRunner.start();
      epcisWebhooks?.start(options.epcisWebhooks?.intervalMs ?? WEBHOOK_DEFAULTS.intervalMs);
    },
    async stop() {
      running = false;
      await Promise.all([relayer.stop(), certificationSender.stop(), indexer.stop(), epcisProjection.stop(), salesSummaries.stop(), importRunner.stop(), detailSync?.stop(), epcisWebhooks?.stop()]);
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;

