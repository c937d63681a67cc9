/**
 * Re-signs a custodial event over the head its batch really has, for the relayer: when an event
 * fails on chain, the accepted events that extended it would be stale, but the organisation's
 * intent (the same detail) still holds, so the gateway signs it again with the key it keeps.
 * Events of organisations that sign themselves are never re-signed: they fail and the
 * organisation decides. Nor is an event that, without the one that failed, breaks a rule of the
 * ledger (a receipt whose shipment failed): `ruleBreak` says which, and it fails with those words.
 */
import type { TypedDataDomain } from "ethers";
import { signDigest } from "../chain/sign-digest";
import { eventDigest } from "../chain/typed-data";
import type { CustodialKeys } from "../keys/custodial-keys";
import type { OrgRepository } from "../store/org-repository";
import type { OutboxEvent } from "../store/outbox-repository";
import type { LedgerEntryReads } from "../store/ledger-entry-reads";
import { LedgerFacts } from "./ledger-rules/ledger-facts";

/**
 * The rule of the ledger an accepted event breaks now, in words (the finding on its batch or an
 * input that names its detail), or undefined: the resigner's `ruleBreak`.
 */
export function acceptedRuleBreak(entries: LedgerEntryReads, isAdmin: (address: string) => boolean) {
  return (event: OutboxEvent): string | undefined => {
    const facts = new LedgerFacts(entries, "accepted", { isAdmin, now: Date.now() });
    const ref = event.dataHash.toLowerCase();
    for (const batchId of [event.batchId, ...event.inputs]) {
      const finding = facts.ledger(batchId).findings.find((f) => f.ref === ref);
      if (finding) return finding.en;
    }
    return undefined;
  };
}

export function createEventResigner(
  orgs: OrgRepository,
  keys: CustodialKeys,
  domain: TypedDataDomain,
  ruleBreak: (event: OutboxEvent) => string | undefined = () => undefined,
) {
  return async (event: OutboxEvent, prevHead: string) => {
    const org = orgs.byId(event.orgId);
    if (!org?.custodial || !org.keystore || org.address !== event.signer) return undefined;
    const broken = ruleBreak(event);
    if (broken) throw new Error(`without the event that failed it breaks a rule of the ledger: ${broken}`);
    const wallet = await keys.unlock(org.address, org.keystore);
    const message = { batchId: event.batchId, kind: event.kind, prevHead, dataHash: event.dataHash, inputs: event.inputs, counterparty: event.counterparty };
    const { r, s, v } = signDigest(wallet.privateKey, eventDigest(domain, message));
    return { r, s, v };
  };
}
