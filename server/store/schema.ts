/**
 * The gateway's SQLite schema, as ordered migrations; `PRAGMA user_version` says how many have
 * run. Three groups of tables:
 * - the gateway's own records: settings, organisations, API keys, idempotent answers;
 * - the outbox: every accepted event with its signature, from acknowledgement to confirmation,
 *   and the relayer's transactions with the nonces they used;
 * - the index: what the chain says, rebuilt from its logs (tables prefixed idx_).
 * The second migration adds what the public pages keep off chain: unit serials with their scan
 * counts, and the programme's list of supported counties. The third adds the console's: members
 * who log in, their sessions, harvest photos (kept off chain; their hashes go on chain) and CSV
 * imports row by row, so an interrupted import resumes without recording a row twice. The
 * fourth indexes the sales for the programme's purchase figures; the fifth, an organisation's
 * own writes, newest first (the console's recent records); the sixth keeps every accepted
 * detail by its data hash (event_details), apart from the send queue, and copies in those the
 * queue already held. The seventh indexes what the ledger's rules look up: events by batch and
 * data hash, corrections by the event they correct, shipments by their consignee. The eighth
 * keeps private fields' values and salts apart from the public details (private_fields); the
 * ninth, the signals of distinct clients, networks and days that scanned each unit; the tenth,
 * the console login's failure counts and known places instead of the members' lock; the
 * eleventh, the roles the chain granted and revoked; the twelfth, each event's counterparty,
 * link and custody after it, now that the chain decides who may extend a batch. The sixteenth keeps
 * the 承诺达标合格证 issued and collected, and each organisation's contact details; the seventeenth,
 * the programme's purchase figures summed as sales are indexed; the last, administration:
 * organisations' credit codes and contact persons, disabled members and the admin token's
 * console sessions, and the front door's look-ups by serial and lot.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    address    TEXT NOT NULL UNIQUE,
    custodial  INTEGER NOT NULL,          -- 1: the gateway keeps its key (keystore below)
    keystore   TEXT,                      -- ethers keystore JSON, encrypted with the master secret
    created_at TEXT NOT NULL
  );

  CREATE TABLE api_keys (
    key_hash   TEXT PRIMARY KEY,          -- sha256 of the key; the key itself is shown once
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );

  CREATE TABLE idempotency (
    org_id       TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code  INTEGER NOT NULL,
    response     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
  );

  -- Every accepted event. seq orders them; an event extends prev_head and produces head.
  CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    batch_id     TEXT NOT NULL,
    kind         INTEGER NOT NULL,
    org_id       TEXT NOT NULL REFERENCES orgs(id),
    signer       TEXT NOT NULL,
    prev_head    TEXT NOT NULL,
    head         TEXT NOT NULL,
    data_hash    TEXT NOT NULL,
    detail       TEXT NOT NULL,           -- RFC 8785 canonical JSON; keccak256 of it is data_hash
    inputs       TEXT NOT NULL,           -- JSON array of input batch ids
    r            TEXT NOT NULL,
    s            TEXT NOT NULL,
    v            INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'confirmed', 'failed')),
    error        TEXT,
    tx_nonce     INTEGER,
    tx_hash      TEXT,
    block_number INTEGER,
    solo         INTEGER NOT NULL DEFAULT 0, -- 1: send alone (a batch it was in reverted as a whole)
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
  );
  CREATE INDEX outbox_by_status ON outbox(status, seq);
  CREATE INDEX outbox_by_batch ON outbox(batch_id, seq);
  CREATE INDEX outbox_by_head ON outbox(batch_id, prev_head);
  CREATE INDEX outbox_by_tx_nonce ON outbox(tx_nonce) WHERE tx_nonce IS NOT NULL;

  -- The relayer's transactions, one per nonce it used.
  CREATE TABLE chain_txs (
    nonce        INTEGER PRIMARY KEY,
    hash         TEXT NOT NULL,           -- the latest signed version (the mined one once mined)
    hashes       TEXT NOT NULL,           -- JSON array of every version broadcast: any may be mined
    event_ids    TEXT NOT NULL,           -- JSON array of outbox ids, in the order sent
    data         TEXT NOT NULL,           -- the calldata, so a fee bump re-sends exactly the same call
    gas_limit    TEXT NOT NULL,
    max_fee      TEXT NOT NULL,
    priority_fee TEXT NOT NULL,
    sent_at      INTEGER NOT NULL,        -- ms since epoch
    status       TEXT NOT NULL CHECK (status IN ('sent', 'mined', 'dropped')),
    block_number INTEGER
  );
  CREATE INDEX chain_txs_by_status ON chain_txs(status, nonce);

  -- Attestations and revocations of certifications, from acceptance to the chain. They are
  -- single transactions (rare), sent in order by the admin's key.
  CREATE TABLE certification_outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT NOT NULL UNIQUE,
    action           TEXT NOT NULL CHECK (action IN ('attest', 'revoke')),
    org_id           TEXT NOT NULL REFERENCES orgs(id),
    certification_id TEXT NOT NULL,
    batch_id         TEXT,                -- the certified batch (batch subjects)
    payload          TEXT NOT NULL,       -- JSON: the call's arguments, signature included
    detail           TEXT NOT NULL,       -- RFC 8785 canonical JSON of the certificate's detail
    status           TEXT NOT NULL CHECK (status IN ('pending', 'submitted', 'confirmed', 'failed')),
    error            TEXT,
    tx_hash          TEXT,
    block_number     INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
  );
  CREATE INDEX certification_outbox_by_status ON certification_outbox(status, seq);
  CREATE INDEX certification_outbox_by_certification ON certification_outbox(certification_id);

  -- Events planned for an organisation that signs itself, waiting for its signatures.
  CREATE TABLE signing_requests (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id),
    planned    TEXT NOT NULL,             -- JSON array of planned events
    created_at TEXT NOT NULL,
    used_at    TEXT
  );

  -- The last block fully indexed, and the contract the index belongs to: another address or
  -- deploy block means another ledger, and the indexer starts the index afresh.
  CREATE TABLE idx_cursor (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    block_number INTEGER NOT NULL,
    address      TEXT NOT NULL,
    deploy_block INTEGER NOT NULL
  );

  -- Hashes of the indexed blocks that had ledger logs (kept) and of recent cursor blocks
  -- (has_logs = 0, pruned behind a window): what reorg detection compares with the chain.
  CREATE TABLE idx_blocks (
    number    INTEGER PRIMARY KEY,
    hash      TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    has_logs  INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX idx_blocks_empty ON idx_blocks(number) WHERE has_logs = 0;

  CREATE TABLE idx_batches (
    batch_id      TEXT PRIMARY KEY,
    gtin          TEXT NOT NULL,
    lot           TEXT NOT NULL,
    creator       TEXT NOT NULL,
    created_by    INTEGER NOT NULL,
    created_block INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    head          TEXT NOT NULL,
    recalled      INTEGER NOT NULL DEFAULT 0,
    event_count   INTEGER NOT NULL
  );
  CREATE INDEX idx_batches_by_gtin ON idx_batches(gtin);
  CREATE INDEX idx_batches_by_creator ON idx_batches(creator);
  CREATE INDEX idx_batches_by_created_block ON idx_batches(created_block);

  CREATE TABLE idx_events (
    tx_hash      TEXT NOT NULL,
    log_index    INTEGER NOT NULL,
    batch_id     TEXT NOT NULL,
    position     INTEGER NOT NULL,        -- 0 for the creating event
    kind         INTEGER NOT NULL,
    signer       TEXT NOT NULL,
    data_hash    TEXT NOT NULL,
    prev_head    TEXT NOT NULL,
    head         TEXT NOT NULL,
    inputs       TEXT NOT NULL,
    block_number INTEGER NOT NULL,
    timestamp    INTEGER NOT NULL,
    PRIMARY KEY (tx_hash, log_index),
    UNIQUE (batch_id, position)
  );
  CREATE INDEX idx_events_by_block ON idx_events(block_number);

  CREATE TABLE idx_lineage (
    batch_id       TEXT NOT NULL,
    input_batch_id TEXT NOT NULL,
    block_number   INTEGER NOT NULL,
    log_index      INTEGER NOT NULL,        -- of the BatchDerived log: orders inputs as signed
    PRIMARY KEY (batch_id, input_batch_id)
  );
  CREATE INDEX idx_lineage_by_input ON idx_lineage(input_batch_id);
  CREATE INDEX idx_lineage_by_block ON idx_lineage(block_number);

  CREATE TABLE idx_certifications (
    id             TEXT PRIMARY KEY,
    certifier      TEXT NOT NULL,
    subject_kind   INTEGER NOT NULL,
    subject        TEXT NOT NULL,
    scheme         TEXT NOT NULL,
    certificate_no TEXT NOT NULL,
    producer       TEXT NOT NULL,
    gtin           TEXT NOT NULL,
    valid_from     INTEGER NOT NULL,
    valid_until    INTEGER NOT NULL,
    data_hash      TEXT NOT NULL,
    block_number   INTEGER NOT NULL,
    tx_hash        TEXT NOT NULL,
    log_index      INTEGER NOT NULL,
    revoked_by     TEXT,
    revoked_reason TEXT,
    revoked_block  INTEGER
  );
  CREATE INDEX idx_certifications_by_subject ON idx_certifications(subject);
  `,
  `
  -- Unit serials (GS1 AI 21) a batch's creator issued, and how often each unit's code was
  -- scanned: a code scanned far more often than one pack would be is likely a copied label.
  CREATE TABLE serials (
    batch_id      TEXT NOT NULL,
    serial        TEXT NOT NULL,
    issued_by     TEXT NOT NULL REFERENCES orgs(id),
    issued_at     TEXT NOT NULL,
    scan_count    INTEGER NOT NULL DEFAULT 0,
    first_scan_at TEXT,
    last_scan_at  TEXT,
    PRIMARY KEY (batch_id, serial)
  );

  -- The counties the consumption-aid programme supports (GB/T 2260 codes): pages mark produce
  -- from them. Empty on a fresh install: the programme office uploads its own list (the
  -- console's /programme/counties); a folder made before this kept the four counties it was
  -- seeded with then, as it may have its own list by now.
  CREATE TABLE programme_counties (
    code     TEXT PRIMARY KEY CHECK (length(code) = 6),
    name     TEXT NOT NULL,
    added_at TEXT NOT NULL
  );
  `,
  `
  -- People who log in to the console: members of an organisation, or of the programme office
  -- (org_id NULL, programme = 1). Passwords are kept only as scrypt hashes.
  CREATE TABLE members (
    id            TEXT PRIMARY KEY,
    org_id        TEXT REFERENCES orgs(id),
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0,  -- may create the organisation's other members
    programme     INTEGER NOT NULL DEFAULT 0,  -- a member of the programme office
    failed_logins INTEGER NOT NULL DEFAULT 0,  -- consecutive failures; reset by a good login
    locked_until  TEXT,
    created_at    TEXT NOT NULL,
    CHECK ((org_id IS NULL) = (programme = 1))
  );

  -- Console sessions: the cookie holds a random id; only its sha256 is stored.
  CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    member_id    TEXT NOT NULL REFERENCES members(id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
  );
  CREATE INDEX sessions_by_member ON sessions(member_id);

  -- Harvest photos, kept off chain; the harvest's detail (and so the chain) holds their hash.
  CREATE TABLE photos (
    hash         TEXT PRIMARY KEY,           -- keccak256 of the bytes, 0x-prefixed
    org_id       TEXT NOT NULL REFERENCES orgs(id),
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL
  );

  -- CSV imports: the file is validated whole first; rows are then recorded one by one, each
  -- with an idempotency key of its own, so a resumed import never records a row twice.
  CREATE TABLE csv_imports (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id),
    kind         TEXT NOT NULL CHECK (kind IN ('harvest', 'shipment')),
    file_name    TEXT NOT NULL,
    file_hash    TEXT NOT NULL,              -- sha256 of the file's bytes
    total_rows   INTEGER NOT NULL,
    bad_rows     INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('validated', 'importing', 'done', 'cancelled')),
    good_only    INTEGER NOT NULL DEFAULT 0, -- the user chose to record only the good rows
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
  );
  CREATE INDEX csv_imports_by_org ON csv_imports(org_id, created_at);

  CREATE TABLE csv_import_rows (
    import_id  TEXT NOT NULL REFERENCES csv_imports(id),
    line       INTEGER NOT NULL,             -- the row's line number in the file (header = 1)
    request    TEXT,                         -- the validated write, as JSON (NULL for a bad row)
    problems   TEXT,                         -- JSON [{field, message}] of a bad row
    event_id   TEXT,                         -- set once recorded
    PRIMARY KEY (import_id, line)
  );
  `,
  `
  -- The programme view's purchase figures (server/store/sales-reads.ts) read every confirmed
  -- sale: these partial indexes hold just the sales, with the facts of each sale's detail as
  -- indexed expressions, so the figures come from two narrow indexes instead of the JSON of
  -- every sale. The expressions must stay exactly those of sales-reads.ts.
  CREATE INDEX outbox_sale_facts ON outbox (
    kind, batch_id, prev_head, data_hash,
    strftime('%Y-%m', detail ->> '$.soldAt', '+8 hours'),
    detail ->> '$.channel', detail ->> '$.quantity.unit', detail ->> '$.quantity.amount', detail ->> '$.amountCny'
  ) WHERE kind = 4;
  CREATE INDEX idx_events_sales ON idx_events (kind, batch_id, prev_head, data_hash, timestamp) WHERE kind = 4;
  `,
  `
  CREATE INDEX outbox_by_org ON outbox(org_id, seq);
  `,
  `
  -- The canonical detail of every accepted event and attestation, by the keccak256 that the
  -- chain holds. Written when the write is accepted; never deleted with the send queue.
  CREATE TABLE event_details (
    data_hash  TEXT PRIMARY KEY,
    detail     TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) WITHOUT ROWID;
  INSERT INTO event_details (data_hash, detail, created_at)
    SELECT data_hash, detail, min(created_at) FROM outbox GROUP BY data_hash;
  INSERT INTO event_details (data_hash, detail, created_at)
    SELECT payload ->> '$.attestation.dataHash', detail, min(created_at) FROM certification_outbox
    WHERE action = 'attest' GROUP BY payload ->> '$.attestation.dataHash'
    ON CONFLICT (data_hash) DO NOTHING;
  `,
  `
  -- The ledger's rules read a batch's events by their data hash (a correction names the event it
  -- corrects by it), and the programme's figures drop sales that a correction declared void.
  CREATE INDEX idx_events_by_batch_hash ON idx_events(batch_id, data_hash);
  CREATE INDEX outbox_corrections ON outbox(batch_id, (detail ->> '$.corrects')) WHERE kind = 6;
  -- An organisation's stock includes what is on its way to it: shipments by their consignee.
  CREATE INDEX outbox_by_consignee ON outbox((detail ->> '$.consignee.id'), seq) WHERE kind = 2;
  -- The batches each accepted event names as inputs: a batch's draws (splits and merges taking
  -- from it) found by the batch, before the index has them.
  CREATE TABLE outbox_inputs (
    input_batch_id TEXT NOT NULL,
    seq            INTEGER NOT NULL REFERENCES outbox(seq),
    PRIMARY KEY (input_batch_id, seq)
  ) WITHOUT ROWID;
  INSERT INTO outbox_inputs (input_batch_id, seq)
    SELECT DISTINCT lower(j.value), o.seq FROM outbox o, json_each(o.inputs) j;
  `,
  `
  -- Private fields: a public detail holds a salted commitment to each (server/domain/
  -- private-fields.ts); their values and salts are kept here, by the detail's data hash, and
  -- nowhere public. Amounts published in the clear before commitments are copied in (salt
  -- NULL), so that the programme's figures read every amount from this one table.
  CREATE TABLE private_fields (
    data_hash  TEXT NOT NULL,
    path       TEXT NOT NULL,             -- "amountCny", or "replacement.amountCny" in a correction
    value_json TEXT NOT NULL,             -- the value as JSON
    salt       TEXT,                      -- 0x + 32 random bytes hex; NULL: published before commitments
    PRIMARY KEY (data_hash, path)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO private_fields (data_hash, path, value_json, salt)
    SELECT data_hash, 'amountCny', detail -> '$.amountCny', NULL FROM outbox
    WHERE kind = 4 AND detail ->> '$.amountCny' IS NOT NULL;
  INSERT OR IGNORE INTO private_fields (data_hash, path, value_json, salt)
    SELECT data_hash, 'replacement.amountCny', detail -> '$.replacement.amountCny', NULL FROM outbox
    WHERE kind = 6 AND detail ->> '$.replacement.amountCny' IS NOT NULL;
  -- The sales' facts index no longer holds the amount (it is in private_fields now).
  DROP INDEX outbox_sale_facts;
  CREATE INDEX outbox_sale_facts ON outbox (
    kind, batch_id, prev_head, data_hash,
    strftime('%Y-%m', detail ->> '$.soldAt', '+8 hours'),
    detail ->> '$.channel', detail ->> '$.quantity.unit', detail ->> '$.quantity.amount'
  ) WHERE kind = 4;
  `,
  `
  -- Scans of a unit's page counted by distinct client per time window, with the signals the
  -- counterfeit warning needs to agree on: how many distinct clients, networks and China days
  -- scanned the unit (server/services/unit-scans.ts). Clients and networks are kept only as
  -- keyed hashes, never as addresses or user agents.
  ALTER TABLE serials ADD COLUMN scan_clients  INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE serials ADD COLUMN scan_networks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE serials ADD COLUMN scan_days     INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE serial_scan_clients (
    batch_id    TEXT NOT NULL,
    serial      TEXT NOT NULL,
    client      TEXT NOT NULL,            -- keyed hash of the client (address + user agent, or its scan cookie)
    last_window INTEGER NOT NULL,         -- the time window of its last counted scan
    PRIMARY KEY (batch_id, serial, client)
  ) WITHOUT ROWID;
  CREATE TABLE serial_scan_networks (
    batch_id TEXT NOT NULL,
    serial   TEXT NOT NULL,
    network  TEXT NOT NULL,               -- keyed hash of the client's /24 (IPv4) or /48 (IPv6)
    PRIMARY KEY (batch_id, serial, network)
  ) WITHOUT ROWID;
  CREATE TABLE serial_scan_days (
    batch_id TEXT NOT NULL,
    serial   TEXT NOT NULL,
    day      TEXT NOT NULL,               -- YYYY-MM-DD in China
    PRIMARY KEY (batch_id, serial, day)
  ) WITHOUT ROWID;
  `,
  `
  -- The console login's throttle (server/services/login-throttle.ts) instead of the members'
  -- lock, which anyone could set off: failures counted per username and client address, per
  -- address and per username, each with the wait it sets; and the places each member logged
  -- in from. Usernames and addresses are kept only as keyed hashes (tags).
  CREATE TABLE login_failures (
    key             TEXT PRIMARY KEY,     -- "pair:<user tag>:<address tag>", "address:<tag>", "username:<tag>"
    user_tag        TEXT,                 -- the username's tag (pair and username counts): what an unlock clears
    failures        INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    blocked_until   TEXT                  -- no attempt on this count before then
  ) WITHOUT ROWID;
  CREATE INDEX login_failures_by_user ON login_failures(user_tag) WHERE user_tag IS NOT NULL;
  CREATE INDEX login_failures_by_age ON login_failures(last_failure_at);
  CREATE TABLE login_places (
    user_tag      TEXT NOT NULL,
    address_tag   TEXT NOT NULL,
    last_login_at TEXT NOT NULL,
    PRIMARY KEY (user_tag, address_tag)
  ) WITHOUT ROWID;
  ALTER TABLE members DROP COLUMN failed_logins;
  ALTER TABLE members DROP COLUMN locked_until;
  `,
  `
  -- Roles as the chain says (server/store/role-index.ts): every RoleGranted and RoleRevoked of
  -- the ledger, written by the indexer; the last change of an organisation's role decides
  -- whether its writes are accepted. Rows belong to a ledger and are read up to the cursor.
  CREATE TABLE idx_role_changes (
    ledger       TEXT NOT NULL,           -- the ledger's address, checksummed (as idx_cursor.address)
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    tx_hash      TEXT NOT NULL,
    role         TEXT NOT NULL,           -- role id, lower-case hex (zero: admin)
    account      TEXT NOT NULL,           -- lower-case address
    granted      INTEGER NOT NULL,        -- 1 RoleGranted, 0 RoleRevoked
    sender       TEXT NOT NULL,
    PRIMARY KEY (ledger, block_number, log_index)
  ) WITHOUT ROWID;
  CREATE INDEX idx_role_changes_by_account ON idx_role_changes(account, role, block_number, log_index);
  `,
  `
  -- Who may extend a batch is checked on chain: each head commits to the batch's custody. The
  -- send queue keeps each event's counterparty (a shipment's consignee), its link and the custody
  -- after it, so the relayer can prove the custody an event extends; the index keeps the same.
  ALTER TABLE outbox ADD COLUMN counterparty TEXT NOT NULL DEFAULT '0x0000000000000000000000000000000000000000';
  ALTER TABLE outbox ADD COLUMN link TEXT;
  ALTER TABLE outbox ADD COLUMN custody TEXT;
  ALTER TABLE idx_events ADD COLUMN counterparty TEXT NOT NULL DEFAULT '0x0000000000000000000000000000000000000000';
  ALTER TABLE idx_events ADD COLUMN link TEXT NOT NULL DEFAULT '';
  ALTER TABLE idx_events ADD COLUMN custody TEXT NOT NULL DEFAULT '';
  ALTER TABLE idx_batches ADD COLUMN link TEXT NOT NULL DEFAULT '';
  ALTER TABLE idx_batches ADD COLUMN custody TEXT NOT NULL DEFAULT '';
  -- Heads of a ledger from before this change were computed otherwise: its index is rebuilt
  -- from the chain (the gateway refuses to run against an older ledger contract anyway).
  DELETE FROM idx_events;
  DELETE FROM idx_lineage;
  DELETE FROM idx_batches;
  DELETE FROM idx_certifications;
  DELETE FROM idx_blocks;
  DELETE FROM idx_cursor;
  `,
  `
  -- The open ledger: details are served by their hash and fed to other parties in chain order,
  -- and details from outside are kept only when the chain holds their hash.
  CREATE INDEX idx_events_by_data_hash ON idx_events(data_hash);
  CREATE INDEX idx_events_in_chain_order ON idx_events(block_number, log_index);
  CREATE INDEX idx_certifications_by_data_hash ON idx_certifications(data_hash);
  CREATE INDEX idx_certifications_in_chain_order ON idx_certifications(block_number, log_index);
  CREATE INDEX outbox_by_data_hash ON outbox(data_hash);
  CREATE INDEX certification_outbox_by_data_hash ON certification_outbox((payload ->> '$.attestation.dataHash'));
  -- Details from a peer or a bundle that did not hash to what the chain holds: refused, and kept
  -- here so that the operator sees who served what.
  -- Organisations a read gateway or a rebuilt index knows only from the chain's signed details.
  ALTER TABLE orgs ADD COLUMN learned INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE detail_refusals (
    data_hash   TEXT NOT NULL,
    source      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    refused_at  TEXT NOT NULL
  );
  `,
  `
  -- EPCIS 2.0: every ledger log with its detail as an EPCIS event, part of the index (rebuilt
  -- from the chain and the details). seq is the order they were projected in: what query pages
  -- and subscriptions follow, so an event projected late (its detail came late) is still seen.
  CREATE TABLE idx_epcis_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL UNIQUE,
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    part         INTEGER NOT NULL,        -- a correction gives two: the declaration, the corrective event
    data_hash    TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    biz_step     TEXT,
    disposition  TEXT,
    event_time   INTEGER NOT NULL,        -- ms
    record_time  INTEGER NOT NULL,        -- ms
    biz_location TEXT,
    read_point   TEXT,
    event        TEXT NOT NULL,           -- the event as served, without @context
    UNIQUE (block_number, log_index, part)
  );
  CREATE INDEX idx_epcis_events_by_data_hash ON idx_epcis_events(data_hash);
  -- What the simple event query filters on, each in seq order (a page is the first matches after a seq).
  CREATE INDEX idx_epcis_events_by_step ON idx_epcis_events(biz_step, seq);
  CREATE INDEX idx_epcis_events_by_location ON idx_epcis_events(biz_location, seq);
  CREATE INDEX idx_epcis_events_by_read_point ON idx_epcis_events(read_point, seq) WHERE read_point IS NOT NULL;
  CREATE INDEX idx_epcis_events_by_event_time ON idx_epcis_events(event_time);
  CREATE INDEX idx_epcis_events_by_record_time ON idx_epcis_events(record_time);
  -- The lots (01/{gtin}/10/{lot}) and product lines (01/{gtin}) each event names.
  CREATE TABLE idx_epcis_classes (
    epc_class TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (epc_class, seq)
  ) WITHOUT ROWID;
  CREATE INDEX idx_epcis_classes_by_seq ON idx_epcis_classes(seq);
  -- How far the projection has read the chain's logs, and the logs it read before their detail came.
  CREATE TABLE idx_epcis_cursor (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL
  );
  CREATE TABLE idx_epcis_waiting (
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    PRIMARY KEY (block_number, log_index)
  ) WITHOUT ROWID;
  -- EPCIS captures: each job, and each captured eventID with the ledger event it became, so that a
  -- document sent twice is recorded once.
  CREATE TABLE epcis_captures (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    event_ids   TEXT NOT NULL,            -- JSON: the document's eventIDs (given or computed), in order
    errors      TEXT NOT NULL             -- JSON: the problems that refused the document ([] when taken)
  );
  CREATE TABLE epcis_captured_events (
    event_id    TEXT PRIMARY KEY,         -- the EPCIS eventID, given or computed
    capture_id  TEXT NOT NULL,
    outbox_id   TEXT NOT NULL             -- the ledger event it became
  );
  CREATE INDEX epcis_captured_events_by_capture ON epcis_captured_events(capture_id);
  -- An organisation's GLN (GS1 Global Location Number), where it has one: how EPCIS names it.
  ALTER TABLE orgs ADD COLUMN gln TEXT;
  CREATE UNIQUE INDEX orgs_by_gln ON orgs(gln) WHERE gln IS NOT NULL;
  `,
  `
  -- EPCIS 2.0 query subscriptions, delivered as signed webhooks: an organisation's standing
  -- simple event query, where its results go, and how far the receiver has acknowledged them.
  -- delivered_seq follows idx_epcis_events.seq (AUTOINCREMENT, never reused, even when the index
  -- is emptied): it moves only after the receiver answered 2xx, so nothing past it is skipped.
  CREATE TABLE epcis_subscriptions (
    id                  TEXT PRIMARY KEY,      -- the subscriptionID
    org_id              TEXT NOT NULL REFERENCES orgs(id),
    query_name          TEXT NOT NULL,         -- SimpleEventQuery
    dest                TEXT NOT NULL,         -- the receiver's URL
    token_sealed        TEXT NOT NULL,         -- the signatureToken, AES-256-GCM under a key from the master secret
    query               TEXT NOT NULL,         -- JSON: the simple event query's parameters, as strings
    initial_record_time INTEGER,               -- ms: events recorded on chain from then; NULL: those projected after creation
    created_at          TEXT NOT NULL,
    delivered_seq       INTEGER NOT NULL,      -- the last seq acknowledged (or found not to match)
    last_notified_at    TEXT,                  -- the receiver's last 2xx
    failures            INTEGER NOT NULL DEFAULT 0,  -- failed deliveries since the last 2xx
    next_attempt_at     INTEGER NOT NULL DEFAULT 0,  -- ms: no delivery before then (back-off)
    last_error          TEXT,
    last_error_at       TEXT
  );
  CREATE INDEX epcis_subscriptions_by_org ON epcis_subscriptions(org_id, created_at);
  `,
  `
  -- 承诺达标合格证 (promise-of-compliance certificates, server/domain/promise-certificate.ts): each
  -- issued for a batch by an organisation that holds it, kept off chain as the canonical JSON its
  -- id hashes and the issuer's signature over that id. The same content issued twice for a batch
  -- is one certificate (content_key: the content's hash without its number). The batch's current
  -- certificate is its latest (seq).
  CREATE TABLE promise_certificates (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,      -- keccak256 of content
    content_key    TEXT NOT NULL,
    batch_id       TEXT NOT NULL,
    org_id         TEXT NOT NULL REFERENCES orgs(id),
    certificate_no TEXT NOT NULL UNIQUE,      -- YYYYMMDD-NNNNN: the issue date and that day's sequence here
    issued_on      TEXT NOT NULL,             -- the China date it was issued on
    issued_at      TEXT NOT NULL,             -- ISO 8601
    content        TEXT NOT NULL,             -- RFC 8785 canonical JSON
    signer         TEXT NOT NULL,
    signature      TEXT NOT NULL,             -- EIP-191 personal_sign of id by signer
    automatic      INTEGER NOT NULL DEFAULT 0, -- issued by a processing's write (a merge's or split's output)
    UNIQUE (batch_id, content_key)
  );
  CREATE INDEX promise_certificates_by_batch ON promise_certificates(batch_id, seq);
  CREATE INDEX promise_certificates_by_org ON promise_certificates(org_id, issued_at);
  CREATE INDEX promise_certificates_by_day ON promise_certificates(issued_on);
  -- What each receiver collected: the batch's current certificate when its receipt was accepted.
  CREATE TABLE promise_certificate_collections (
    certificate_id TEXT NOT NULL REFERENCES promise_certificates(id),
    org_id         TEXT NOT NULL REFERENCES orgs(id),
    batch_id       TEXT NOT NULL,
    event_id       TEXT NOT NULL,             -- the receipt's outbox id
    collected_at   TEXT NOT NULL,             -- ISO 8601
    PRIMARY KEY (certificate_id, org_id)
  ) WITHOUT ROWID;
  CREATE INDEX promise_certificate_collections_by_org ON promise_certificate_collections(org_id, collected_at);
  -- An organisation's contact details (JSON {phone, address}), set by it or the admin: what its
  -- certificates print as the promising party's 联系方式.
  ALTER TABLE orgs ADD COLUMN contact TEXT;
  `,
  `
  -- The programme's purchase figures, kept up to date as sales are indexed (server/store/
  -- sales-summary.ts) instead of summed from every sale at each read. Part of the index: emptied
  -- with it, filled again from idx_events (an existing database fills it from cursor 0).
  -- Each indexed sale's facts as counted (void: a correction declared it void; correction_block:
  -- the block of the correction that decided them), by the sale's place in the chain.
  CREATE TABLE idx_sales_facts (
    block_number     INTEGER NOT NULL,
    log_index        INTEGER NOT NULL,
    batch_id         TEXT NOT NULL,
    month            TEXT NOT NULL,
    county_code      TEXT,
    county_name      TEXT,
    product          TEXT,
    channel          TEXT,
    unit             TEXT,
    quantity         REAL,
    amount_fen       INTEGER,
    void             INTEGER NOT NULL,
    correction_block INTEGER,
    PRIMARY KEY (block_number, log_index)
  ) WITHOUT ROWID;
  CREATE INDEX idx_sales_facts_by_correction ON idx_sales_facts(correction_block) WHERE correction_block IS NOT NULL;
  -- The counted (not void) sales summed by month, county, product, channel and unit. group_key
  -- is json_array of those six (the county's name too), which tells NULL from '' where a
  -- UNIQUE column would not. amounts: how many of the sales had an amount (none: no sum).
  CREATE TABLE idx_sales_groups (
    group_key   TEXT PRIMARY KEY,
    month       TEXT NOT NULL,
    county_code TEXT,
    county_name TEXT,
    product     TEXT,
    channel     TEXT,
    unit        TEXT,
    sales       INTEGER NOT NULL,
    quantity    REAL NOT NULL,
    amount_fen  INTEGER NOT NULL,
    amounts     INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX idx_sales_groups_by_month ON idx_sales_groups(month);
  -- The last indexed event summarised (chain order), and the lowest block the index was
  -- rewound to since (a reorg: the facts above it, or decided by a correction above it, are redone).
  CREATE TABLE idx_sales_cursor (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    block_number INTEGER NOT NULL,
    log_index    INTEGER NOT NULL,
    rewound_to   INTEGER
  );
  -- The index's own code empties it (IndexCursor.clear) or moves it back (IndexRepository.rewindTo)
  -- through idx_cursor, in its transaction: these follow in the same one.
  CREATE TRIGGER idx_sales_cleared AFTER DELETE ON idx_cursor BEGIN
    DELETE FROM idx_sales_facts;
    DELETE FROM idx_sales_groups;
    DELETE FROM idx_sales_cursor;
  END;
  CREATE TRIGGER idx_sales_rewound AFTER UPDATE OF block_number ON idx_cursor
  WHEN NEW.block_number < OLD.block_number BEGIN
    UPDATE idx_sales_cursor SET rewound_to = min(coalesce(rewound_to, NEW.block_number), NEW.block_number);
  END;
  `,
  `
  -- Administration (issue 17). An organisation's 统一社会信用代码 (GB 32100-2015, capitals; one
  -- organisation per code) and contact person; its phone and postal address stay in contact.
  ALTER TABLE orgs ADD COLUMN credit_code TEXT;
  ALTER TABLE orgs ADD COLUMN contact_person TEXT;
  CREATE UNIQUE INDEX orgs_by_credit_code ON orgs(credit_code) WHERE credit_code IS NOT NULL;
  CREATE INDEX orgs_by_name ON orgs(name);
  -- A member an admin disabled may not log in until re-enabled (ISO 8601 of the disabling).
  ALTER TABLE members ADD COLUMN disabled_at TEXT;
  -- Console sessions opened with the admin token (no member): only the id's sha256 is stored.
  CREATE TABLE admin_sessions (
    id_hash    TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  -- The front door finds a 查验码: a unit's serial, or a batch label's lot.
  CREATE INDEX serials_by_serial ON serials(serial);
  CREATE INDEX idx_batches_by_lot ON idx_batches(lot);
  `,
];
