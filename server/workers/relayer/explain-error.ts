/**
 * Turns the ledger's revert data (a custom error of the ledger or of its certification registry,
 * as `EventRejected` carries it or a call reverts with) into words for the organisation whose
 * event failed, e.g.
 * "ProvenanceLedgerUnauthorizedSigner(0xabc…, 2): the signer does not hold a role for this kind of event".
 */
import { Interface, type ErrorDescription } from "ethers";

const MEANINGS: Record<string, string> = {
  ProvenanceLedgerInvalidSignature: "the signature is malformed, or its s is in the upper half of the curve order",
  ProvenanceLedgerUnauthorizedSigner: "the signer does not hold a role for this kind of event",
  ProvenanceLedgerUnknownBatch: "no batch has this id (an event needs an existing batch, and so does each input)",
  ProvenanceLedgerBatchExists: "the event creates a batch that already exists",
  ProvenanceLedgerMalformedBatchId: "the id is not a well-formed GS1 batch id",
  ProvenanceLedgerStaleHead:
    "the event extends a head the batch does not have: a replay, a reordering, or an event signed before another was recorded",
  ProvenanceLedgerBatchRecalled: "the batch is recalled and accepts no further events",
  ProvenanceLedgerNotBatchCreator: "only the batch's creator or an admin may recall it",
  ProvenanceLedgerMissingInputs: "a processing event that creates a batch must name at least one input batch",
  ProvenanceLedgerUnexpectedInputs: "only processing events may name input batches",
  ProvenanceLedgerInvalidInput: "an input batch is the output itself or is named twice",
  ProvenanceLedgerInputCountMismatch: "the inputs do not match the events' input counts",
  ProvenanceLedgerEmptyBatch: "the batch of events was empty",
  ProvenanceLedgerCustodyProofMismatch: "the custody proof does not match what the batch's head commits to",
  ProvenanceLedgerNotHolder: "the signer does not hold the batch (only a holder processes, ships or sells it, or names it as an input)",
  ProvenanceLedgerNotConsignee: "no shipment named the signer as the batch's consignee: only the consignee records the receipt",
  ProvenanceLedgerInvalidCounterparty: "only a shipment names a counterparty, another organisation than its signer",
  ProvenanceLedgerCustodyTooWide: "the batch has as many custodians as its head may commit to (32)",
  ProvenanceLedgerProofCountMismatch: "the custody proofs or custodians do not match what the events need",
  CertificationRegistryUnknownBatch: "no batch has this id (a batch certification needs an existing batch)",
};

/** The error's name, when the data is one of the ledger's (or a standard) errors. */
export function revertName(iface: Interface, data: string | null | undefined): string | undefined {
  return parse(iface, data)?.name;
}

export function explainRevert(iface: Interface, data: string | null | undefined): string {
  if (!data || data === "0x") return "the call reverted without a reason: a malformed call, or out of gas";
  const error = parse(iface, data);
  if (!error) return `the call reverted with unknown data ${data}`;
  const args = error.args.map((arg) => (typeof arg === "bigint" ? arg.toString() : String(arg))).join(", ");
  const meaning = MEANINGS[error.name] ?? (error.name === "Panic" ? "the contract panicked" : "the contract refused it");
  return `${error.name}(${args}): ${meaning}`;
}

function parse(iface: Interface, data: string | null | undefined): ErrorDescription | null {
  if (!data || data === "0x") return null;
  try {
    return iface.parseError(data);
  } catch {
    return null;
  }
}

/** The revert data inside an ethers CALL_EXCEPTION, or undefined for any other failure (network, …). */
export function revertDataOf(error: unknown): string | undefined {
  const e = error as { code?: string; data?: string | null };
  if (e?.code !== "CALL_EXCEPTION") return undefined;
  return e.data ?? "0x";
}
