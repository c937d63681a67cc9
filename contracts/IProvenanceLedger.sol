// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IProvenanceLedger
 * @notice The provenance ledger of poverty-alleviation produce: per batch, an append-only chain of
 * signed events (harvest, processing, shipment, receipt, sale, recall, correction). A wrong event
 * is never edited: a correction, a later event of the same batch, declares it void or superseded
 * (EPCIS errorDeclaration). The 圳品 certifications of batches and product lines are the
 * registry's: see ICertificationRegistry.
 *
 * Every event is EIP-712 typed data signed by the organisation that makes it; anyone may relay
 * it. The contract checks that the signer holds a role the event's kind allows, and that it is
 * the organisation of that role that may make it (the batch's holder, a shipment's consignee:
 * see the custody below); how much of a batch each holder has is checked off chain, by the
 * gateway's rules and by every independent audit.
 *
 * On chain per event goes only what trust needs: the batch id, the kind, the signer, the block
 * (and so its timestamp) and the keccak256 of the event's full off-chain detail, canonicalised
 * with RFC 8785. No personal data.
 *
 * A batch id is the batch's GS1 identity itself: bytes 0-5 the GTIN as a big-endian integer,
 * bytes 6-25 the lot (GS1 AI 10, 1 to 20 characters of GS1's 82-character set) right-padded
 * with zero bytes, bytes 26-31 zero. One QR URI (`/01/{gtin}/10/{lot}`) maps to exactly one
 * batch and back.
 *
 * Each batch keeps one storage word, its head: the end of a hash chain over its events that also
 * commits to who holds the batch. An event signs the head it extends and recording it moves the
 * head, so a replayed or reordered signature no longer matches, and the head commits to the
 * whole history and to the batch's custody:
 *
 *     structHash = hashStruct(Event{batchId, kind, prevHead, dataHash, inputs, counterparty})
 *     link       = keccak256(abi.encode(structHash, signer))
 *     head       = (keccak256(abi.encode(link, custodyHash)) & ~0xff) | flags
 *
 * where `flags` (the low byte) carries the batch's status (bit 0: recalled) and `custodyHash`
 * commits to the batch's custodians after the event: the holders (the creator first, then each
 * organisation that received it, in order) and the consignees a shipment named that have not
 * received it yet:
 *
 *     custodyHash = keccak256(abi.encode(holders.length, pending.length, holders..., pending...))
 *
 * Who may extend a batch is decided here: a holder processes, ships and sells it; only a named
 * consignee records its receipt, which makes it a holder; a recall comes from the creator (the
 * first holder) or an admin; a correction from a custodian or an admin. An event that extends a
 * batch, or names it as an input, proves the custody its head commits to (a CustodyProof: the
 * latest link and the custodians); the relayer supplies it, and nothing but the head is stored.
 * How much each holder has is the off-chain rules' concern, re-checked by every audit.
 *
 * A batch exists exactly when its head is not zero.
 */
interface IProvenanceLedger {
    /// @notice What an event records. The numbers are part of the signed data: never reorder.
    enum EventKind {
        Harvest, // creates the batch; producer
        Processing, // sorts, packs, splits or merges; processor or producer; may name inputs
        Shipment, // a holder (producer, processor, carrier, retailer); names its consignee
        Receipt, // the consignee a shipment named: processor, carrier or retailer; then a holder
        Sale, // a holder that is a retailer
        Recall, // the batch's creator (producer or processor) or an admin
        // Voids or supersedes an earlier event of the batch, even after a recall: a custodian
        // (holder or awaited consignee: producer, processor, carrier, retailer) or an admin.
        Correction
    }

    /**
     * @notice A signed event as a relayer submits it.
     * @param batchId The batch the event is about (see the GS1 layout above).
     * @param prevHead The head the signer extended: zero for an event that creates the batch.
     * @param dataHash keccak256 of the RFC 8785 canonical JSON of the event's off-chain detail.
     * @param counterparty The organisation a shipment goes to (which alone may record the
     * receipt); zero for every other kind.
     * @param kind What the event records.
     * @param inputCount How many input batches the event names (processing only); they are the
     * next `inputCount` entries of the inputs array passed beside the events.
     * @param r The signature's r.
     * @param s The signature's s (lower half of the curve order only).
     * @param v The signature's v (27 or 28).
     */
    struct SignedEvent {
        bytes32 batchId;
        bytes32 prevHead;
        bytes32 dataHash;
        address counterparty;
        EventKind kind;
        uint8 inputCount;
        bytes32 r;
        bytes32 s;
        uint8 v;
    }

    /**
     * @notice The custody a batch's head commits to, proven by the one who extends the batch or
     * names it as an input. An event with a non-zero prevHead takes one proof for its own batch,
     * then one per input, in order; each proof's custodians are the next `holders + pending`
     * entries of the custodians array passed beside the events.
     * @param link keccak256(abi.encode(structHash, signer)) of the batch's latest event.
     * @param holders How many of the custodians hold the batch (the creator first).
     * @param pending How many after them were named by a shipment and have not received it.
     */
    struct CustodyProof {
        bytes32 link;
        uint8 holders;
        uint8 pending;
    }

    /// @notice Where a batch came from: who created it, when, and how.
    struct BatchOrigin {
        address creator;
        uint64 createdAt;
        EventKind createdBy; // Harvest, or Processing for a batch made from inputs
    }

    /**
     * @notice An event was recorded on `batchId`. The batch's new head follows from this log, the
     * {BatchDerived} and {BatchShipped} logs just before it, and the batch's previous head and
     * custody (see the head formula above).
     * @param batchId The batch.
     * @param signer The organisation that signed the event.
     * @param kind What the event records.
     * @param dataHash keccak256 of the event's canonical off-chain detail.
     */
    event EventRecorded(bytes32 indexed batchId, address indexed signer, EventKind kind, bytes32 dataHash);

    /**
     * @notice A processing event made `batchId` from `inputBatchId` (split and merge lineage).
     * Emitted, once per input in the signed order, just before that event's {EventRecorded}.
     * @param batchId The batch the processing event was recorded on (the output).
     * @param inputBatchId One batch it was made from.
     */
    event BatchDerived(bytes32 indexed batchId, bytes32 indexed inputBatchId);

    /**
     * @notice A shipment of `batchId` named `consignee` as the organisation it goes to, which alone
     * may record its receipt. Emitted just before the shipment's {EventRecorded}.
     * @param batchId The batch shipped.
     * @param consignee The organisation it goes to.
     */
    event BatchShipped(bytes32 indexed batchId, address indexed consignee);

    /**
     * @notice Event number `index` of a batch was not recorded; `reason` is the ABI-encoded custom
     * error that `record` would have reverted with. The other events of the batch were unaffected.
     * @param index The event's position in the `recordBatch` call.
     * @param batchId The event's batch.
     * @param reason The ABI-encoded custom error.
     */
    event EventRejected(uint256 indexed index, bytes32 indexed batchId, bytes reason);

    /// @notice The signature is malformed, or its s is in the upper half of the curve order.
    error ProvenanceLedgerInvalidSignature(bytes32 batchId);

    /// @notice The signer does not hold a role that may make this kind of event.
    error ProvenanceLedgerUnauthorizedSigner(address signer, EventKind kind);

    /// @notice No batch has this id (an event needs an existing batch, or an input does).
    error ProvenanceLedgerUnknownBatch(bytes32 batchId);

    /// @notice A creating event names a batch that already exists.
    error ProvenanceLedgerBatchExists(bytes32 batchId);

    /// @notice The id is not a well-formed GS1 batch id (see the layout above).
    error ProvenanceLedgerMalformedBatchId(bytes32 batchId);

    /// @notice The event extends `signedHead` but the batch's head is `currentHead`: a replay,
    /// a reordering, or an event signed before another was recorded.
    error ProvenanceLedgerStaleHead(bytes32 batchId, bytes32 currentHead, bytes32 signedHead);

    /// @notice The batch is recalled: no shipment, receipt, sale, processing or second recall
    /// (a correction is still accepted, so that a mistaken record can be put right).
    error ProvenanceLedgerBatchRecalled(bytes32 batchId);

    /// @notice Only the batch's creator or an admin may recall it.
    error ProvenanceLedgerNotBatchCreator(bytes32 batchId, address signer);

    /// @notice A processing event that creates a batch must name at least one input batch.
    error ProvenanceLedgerMissingInputs(bytes32 batchId);

    /// @notice Only processing events may name input batches.
    error ProvenanceLedgerUnexpectedInputs(bytes32 batchId, EventKind kind);

    /// @notice An input batch is the output itself or is named twice.
    error ProvenanceLedgerInvalidInput(bytes32 batchId, bytes32 inputBatchId);

    /// @notice The inputs array does not hold exactly the inputs that the events count.
    error ProvenanceLedgerInputCountMismatch(uint256 counted, uint256 supplied);

    /// @notice `recordBatch` was called with no events.
    error ProvenanceLedgerEmptyBatch();

    /// @notice The custody proof does not match what the batch's head commits to.
    error ProvenanceLedgerCustodyProofMismatch(bytes32 batchId);

    /// @notice The signer does not hold the batch: only a holder processes, ships or sells it, or
    /// names it as an input; only a custodian (holder or awaited consignee) or an admin corrects it.
    error ProvenanceLedgerNotHolder(bytes32 batchId, address signer);

    /// @notice No shipment of the batch named the signer: only the consignee records a receipt.
    error ProvenanceLedgerNotConsignee(bytes32 batchId, address signer);

    /// @notice Only a shipment names a counterparty, and it must be another organisation than its signer.
    error ProvenanceLedgerInvalidCounterparty(bytes32 batchId, address counterparty);

    /// @notice The batch has as many custodians as one head may commit to (Custody.MAX_CUSTODIANS,
    /// 32): a shipment may not name a new consignee.
    error ProvenanceLedgerCustodyTooWide(bytes32 batchId);

    /// @notice The proofs or custodians arrays do not hold exactly what the events need.
    error ProvenanceLedgerProofCountMismatch(uint256 counted, uint256 supplied);

    /**
     * @notice Records one signed event; reverts with the custom error that explains a refusal.
     * @param signedEvent The event and its signature.
     * @param inputs The input batches of a processing event (exactly `inputCount` of them).
     * @param proofs The custody proofs it needs: its own batch's (unless it creates it), then each input's.
     * @param custodians The custodians of those proofs, concatenated in order.
     * @return head The batch's new head.
     */
    function record(
        SignedEvent calldata signedEvent,
        bytes32[] calldata inputs,
        CustodyProof[] calldata proofs,
        address[] calldata custodians
    ) external returns (bytes32 head);

    /**
     * @notice Records many signed events in order in one transaction. An invalid event never
     * blocks the others: it is skipped and reported by {EventRejected} with the error `record`
     * would have given. Later events that extended the rejected one's head are then stale and
     * rejected too, so a batch's chain never forks. Reverts only for a malformed call: no events,
     * or inputs, proofs or custodians arrays that do not match what the events count.
     * @param signedEvents The events, in the order to record them.
     * @param inputs The input batches of the processing events, concatenated in event order.
     * @param proofs The custody proofs of the events, concatenated in event order.
     * @param custodians The custodians of the proofs, concatenated in proof order.
     * @return recorded How many events were recorded.
     */
    function recordBatch(
        SignedEvent[] calldata signedEvents,
        bytes32[] calldata inputs,
        CustodyProof[] calldata proofs,
        address[] calldata custodians
    ) external returns (uint256 recorded);

    /// @notice The ledger's version: 2 since heads commit to who holds each batch. A gateway
    /// refuses a deployment of another version, whose heads it would compute otherwise.
    /// @return The version.
    function ledgerVersion() external pure returns (uint256);

    /// @notice The batch's head: zero when the batch does not exist.
    /// @param batchId The batch.
    /// @return The head.
    function headOf(bytes32 batchId) external view returns (bytes32);

    /// @notice Whether the batch is recalled.
    /// @param batchId The batch.
    /// @return True once a recall was recorded.
    function isRecalled(bytes32 batchId) external view returns (bool);

    /// @notice Who created the batch, when (block time), and with which kind of event.
    /// @param batchId The batch.
    /// @return All zero when the batch does not exist.
    function originOf(bytes32 batchId) external view returns (BatchOrigin memory);

    /**
     * @notice The EIP-712 digest a signer signs for an event.
     * @param batchId The batch.
     * @param kind What the event records.
     * @param prevHead The head it extends.
     * @param dataHash keccak256 of its canonical off-chain detail.
     * @param inputs Its input batches (processing only).
     * @param counterparty The organisation a shipment goes to; zero otherwise.
     * @return The digest.
     */
    function eventDigest(
        bytes32 batchId,
        EventKind kind,
        bytes32 prevHead,
        bytes32 dataHash,
        bytes32[] calldata inputs,
        address counterparty
    ) external view returns (bytes32);
}
