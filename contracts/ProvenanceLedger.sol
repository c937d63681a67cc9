// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IProvenanceLedger} from "./IProvenanceLedger.sol";
import {LedgerAccess} from "./LedgerAccess.sol";
import {CertificationRegistry} from "./CertificationRegistry.sol";
import {BatchHead} from "./libraries/BatchHead.sol";
import {Custody} from "./libraries/Custody.sol";
import {EventHashing} from "./libraries/EventHashing.sol";
import {Gs1BatchId} from "./libraries/Gs1BatchId.sol";

/**
 * @title ProvenanceLedger
 * @notice Records signed provenance events per batch as a hash chain; its {CertificationRegistry}
 * base records 圳品 certifications. See {IProvenanceLedger} and {ICertificationRegistry} for the
 * data model.
 */
contract ProvenanceLedger is IProvenanceLedger, CertificationRegistry {
    mapping(bytes32 batchId => bytes32 head) private _heads;
    mapping(bytes32 batchId => BatchOrigin) private _origins;

    /// @param admin The first admin: grants and revokes the organisations' roles.
    constructor(address admin) LedgerAccess(admin) {}

    /// @inheritdoc IProvenanceLedger
    function record(
        SignedEvent calldata signedEvent,
        bytes32[] calldata inputs,
        CustodyProof[] calldata proofs,
        address[] calldata custodians
    ) external returns (bytes32 head) {
        if (inputs.length != signedEvent.inputCount) {
            revert ProvenanceLedgerInputCountMismatch(signedEvent.inputCount, inputs.length);
        }
        uint256 proofCount = _proofCount(signedEvent);
        if (proofs.length != proofCount) revert ProvenanceLedgerProofCountMismatch(proofCount, proofs.length);
        uint256 custodianCount = _custodianCount(proofs);
        if (custodians.length != custodianCount) revert ProvenanceLedgerProofCountMismatch(custodianCount, custodians.length);
        bytes memory failure;
        (head, failure) = _record(signedEvent, inputs, proofs, custodians);
        if (failure.length != 0) {
            // Re-raise the custom error exactly as `_record` encoded it.
            assembly ("memory-safe") {
                revert(add(failure, 0x20), mload(failure))
            }
        }
    }

    /// @inheritdoc IProvenanceLedger
    function recordBatch(
        SignedEvent[] calldata signedEvents,
        bytes32[] calldata inputs,
        CustodyProof[] calldata proofs,
        address[] calldata custodians
    ) external returns (uint256 recorded) {
        if (signedEvents.length == 0) revert ProvenanceLedgerEmptyBatch();
        Cursor memory at;
        uint256 count = signedEvents.length;
        for (uint256 i = 0; i < count; ) {
            SignedEvent calldata signedEvent = signedEvents[i];
            Cursor memory end = _advance(at, signedEvent, proofs, inputs.length, custodians.length);
            (, bytes memory failure) = _record(
                signedEvent,
                inputs[at.inputs:end.inputs],
                proofs[at.proofs:end.proofs],
                custodians[at.custodians:end.custodians]
            );
            at = end;
            // Neither counter can overflow: both stay below the number of events in calldata.
            unchecked {
                if (failure.length == 0) ++recorded;
                else emit EventRejected(i, signedEvent.batchId, failure);
                ++i;
            }
        }
        if (at.inputs != inputs.length) revert ProvenanceLedgerInputCountMismatch(at.inputs, inputs.length);
        if (at.proofs != proofs.length) revert ProvenanceLedgerProofCountMismatch(at.proofs, proofs.length);
        if (at.custodians != custodians.length) revert ProvenanceLedgerProofCountMismatch(at.custodians, custodians.length);
    }

    /// @dev Where an event's inputs, proofs and custodians start in recordBatch's arrays.
    struct Cursor {
        uint256 inputs;
        uint256 proofs;
        uint256 custodians;
    }

    /// @dev Where the next event's slices start; reverts when an array holds too few.
    function _advance(
        Cursor memory at,
        SignedEvent calldata signedEvent,
        CustodyProof[] calldata proofs,
        uint256 inputCount,
        uint256 custodianCount
    ) private pure returns (Cursor memory end) {
        end.inputs = at.inputs + signedEvent.inputCount;
        if (end.inputs > inputCount) revert ProvenanceLedgerInputCountMismatch(end.inputs, inputCount);
        end.proofs = at.proofs + _proofCount(signedEvent);
        if (end.proofs > proofs.length) revert ProvenanceLedgerProofCountMismatch(end.proofs, proofs.length);
        end.custodians = at.custodians + _custodianCount(proofs[at.proofs:end.proofs]);
        if (end.custodians > custodianCount) revert ProvenanceLedgerProofCountMismatch(end.custodians, custodianCount);
    }

    /// @dev An event proves its own batch's custody unless it creates the batch, then each input's.
    function _proofCount(SignedEvent calldata signedEvent) private pure returns (uint256) {
        return (signedEvent.prevHead == bytes32(0) ? 0 : 1) + signedEvent.inputCount;
    }

    /// @dev How many custodians the proofs name together.
    function _custodianCount(CustodyProof[] calldata proofs) private pure returns (uint256 total) {
        for (uint256 i = 0; i < proofs.length; ++i) total += uint256(proofs[i].holders) + proofs[i].pending;
    }

    /// @inheritdoc IProvenanceLedger
    function ledgerVersion() external pure returns (uint256) {
        return 2;
    }

    /// @inheritdoc IProvenanceLedger
    function headOf(bytes32 batchId) external view returns (bytes32) {
        return _heads[batchId];
    }

    /// @inheritdoc IProvenanceLedger
    function isRecalled(bytes32 batchId) external view returns (bool) {
        return BatchHead.isRecalled(_heads[batchId]);
    }

    /// @inheritdoc IProvenanceLedger
    function originOf(bytes32 batchId) external view returns (BatchOrigin memory) {
        return _originOf(batchId);
    }

    /// @inheritdoc IProvenanceLedger
    function eventDigest(
        bytes32 batchId,
        EventKind kind,
        bytes32 prevHead,
        bytes32 dataHash,
        bytes32[] calldata inputs,
        address counterparty
    ) external view returns (bytes32) {
        return _hashTypedDataV4(EventHashing.structHash(batchId, uint8(kind), prevHead, dataHash, inputs, counterparty));
    }

    /**
     * @dev Checks and records one event. A refusal is returned as the ABI-encoded custom error
     * instead of reverting, so that `recordBatch` can skip one bad event and go on; nothing is
     * written unless every check passed.
     */
    function _record(
        SignedEvent calldata e,
        bytes32[] calldata inputs,
        CustodyProof[] calldata proofs,
        address[] calldata custodians
    ) private returns (bytes32 newHead, bytes memory failure) {
        bytes32 batchId = e.batchId;
        EventKind kind = e.kind;
        bytes32 current = _heads[batchId];
        bool creates = kind == EventKind.Harvest || (kind == EventKind.Processing && current == bytes32(0));

        failure = creates ? _checkCreation(e, current, inputs.length) : _checkExtension(e, current, inputs.length);
        if (failure.length != 0) return (bytes32(0), failure);
        if ((kind == EventKind.Shipment) == (e.counterparty == address(0))) {
            return (bytes32(0), _withAddress(ProvenanceLedgerInvalidCounterparty.selector, batchId, e.counterparty));
        }

        bytes32 structHash = EventHashing.structHash(batchId, uint8(kind), e.prevHead, e.dataHash, inputs, e.counterparty);
        address signer = EventHashing.recover(_hashTypedDataV4(structHash), e.r, e.s, e.v);
        if (signer == address(0)) return (bytes32(0), _error(ProvenanceLedgerInvalidSignature.selector, batchId));
        if (!_mayMake(kind, signer)) {
            return (bytes32(0), abi.encodeWithSelector(ProvenanceLedgerUnauthorizedSigner.selector, signer, kind));
        }

        // Who may: the batch's custody as its head commits to it, then each input's.
        bytes32 custodyAfter;
        uint256 used = 0;
        if (creates) {
            custodyAfter = Custody.ofCreator(signer);
        } else {
            used = uint256(proofs[0].holders) + proofs[0].pending;
            (custodyAfter, failure) = _custodyAfter(e, signer, current, proofs[0], custodians[:used]);
            if (failure.length != 0) return (bytes32(0), failure);
        }
        failure = _checkInputs(batchId, signer, inputs, proofs[creates ? 0 : 1:], custodians[used:]);
        if (failure.length != 0) return (bytes32(0), failure);

        newHead = BatchHead.next(
            current,
            BatchHead.link(structHash, signer),
            custodyAfter,
            kind == EventKind.Recall ? BatchHead.RECALLED : 0
        );
        _heads[batchId] = newHead;
        if (creates) {
            _origins[batchId] = BatchOrigin({creator: signer, createdAt: uint64(block.timestamp), createdBy: kind});
        }
        // Lineage and the consignee first, so that a reader meets them before the event itself.
        for (uint256 i = 0; i < inputs.length; ++i) {
            emit BatchDerived(batchId, inputs[i]);
        }
        if (kind == EventKind.Shipment) emit BatchShipped(batchId, e.counterparty);
        emit EventRecorded(batchId, signer, kind, e.dataHash);
    }

    /**
     * @dev The custody after an event that extends its batch, once the proof is checked against
     * the head: a holder processes, ships and sells; a shipment names a pending consignee; only a
     * pending consignee receives, becoming a holder; the creator (the first holder) or an admin
     * recalls; a custodian or an admin corrects.
     */
    function _custodyAfter(
        SignedEvent calldata e,
        address signer,
        bytes32 current,
        CustodyProof calldata proof,
        address[] calldata custodians
    ) private view returns (bytes32 custodyAfter, bytes memory failure) {
        uint256 holders = proof.holders;
        bytes32 before = Custody.hashOf(custodians, holders);
        if (holders == 0 || !BatchHead.commitsTo(current, proof.link, before)) {
            return (bytes32(0), _error(ProvenanceLedgerCustodyProofMismatch.selector, e.batchId));
        }
        EventKind kind = e.kind;
        if (kind == EventKind.Receipt) {
            uint256 at = Custody.pendingIndex(custodians, holders, signer);
            if (at == custodians.length) return (bytes32(0), _withAddress(ProvenanceLedgerNotConsignee.selector, e.batchId, signer));
            return (Custody.afterReceipt(custodians, holders, at, signer), failure);
        }
        if (kind == EventKind.Recall) {
            if (custodians[0] != signer && !_isAdmin(signer)) {
                return (bytes32(0), _withAddress(ProvenanceLedgerNotBatchCreator.selector, e.batchId, signer));
            }
            return (before, failure);
        }
        if (kind == EventKind.Correction) {
            if (!Custody.contains(custodians, 0, custodians.length, signer) && !_isAdmin(signer)) {
                return (bytes32(0), _withAddress(ProvenanceLedgerNotHolder.selector, e.batchId, signer));
            }
            return (before, failure);
        }
        // Processing, shipment, sale: a holder's.
        if (!Custody.contains(custodians, 0, holders, signer)) {
            return (bytes32(0), _withAddress(ProvenanceLedgerNotHolder.selector, e.batchId, signer));
        }
        if (kind != EventKind.Shipment) return (before, failure);
        if (e.counterparty == signer) {
            return (bytes32(0), _withAddress(ProvenanceLedgerInvalidCounterparty.selector, e.batchId, signer));
        }
        bool fits;
        (custodyAfter, fits) = Custody.afterShipment(custodians, holders, before, e.counterparty);
        if (!fits) return (bytes32(0), _error(ProvenanceLedgerCustodyTooWide.selector, e.batchId));
    }

    /// @dev Checks an event that creates its batch: harvest, or processing of inputs into a new batch.
    function _checkCreation(
        SignedEvent calldata e,
        bytes32 current,
        uint256 inputCount
    ) private pure returns (bytes memory failure) {
        if (current != bytes32(0)) return _error(ProvenanceLedgerBatchExists.selector, e.batchId);
        if (!Gs1BatchId.isWellFormed(e.batchId)) return _error(ProvenanceLedgerMalformedBatchId.selector, e.batchId);
        if (e.prevHead != bytes32(0)) return _staleHead(e.batchId, current, e.prevHead);
        if (e.kind == EventKind.Harvest && inputCount != 0) {
            return abi.encodeWithSelector(ProvenanceLedgerUnexpectedInputs.selector, e.batchId, e.kind);
        }
        if (e.kind == EventKind.Processing && inputCount == 0) {
            return _error(ProvenanceLedgerMissingInputs.selector, e.batchId);
        }
        // success: `failure` stays the empty bytes at the zero slot, nothing allocated
    }

    /// @dev Checks an event on an existing batch.
    function _checkExtension(
        SignedEvent calldata e,
        bytes32 current,
        uint256 inputCount
    ) private pure returns (bytes memory failure) {
        if (current == bytes32(0)) return _error(ProvenanceLedgerUnknownBatch.selector, e.batchId);
        if (e.prevHead != current) return _staleHead(e.batchId, current, e.prevHead);
        if (BatchHead.isRecalled(current) && e.kind != EventKind.Correction) {
            return _error(ProvenanceLedgerBatchRecalled.selector, e.batchId);
        }
        if (e.kind != EventKind.Processing && inputCount != 0) {
            return abi.encodeWithSelector(ProvenanceLedgerUnexpectedInputs.selector, e.batchId, e.kind);
        }
        // success: `failure` stays the empty bytes at the zero slot, nothing allocated
    }

    /// @dev Every input must be another existing, unrecalled batch, named once, held by the signer.
    function _checkInputs(
        bytes32 batchId,
        address signer,
        bytes32[] calldata inputs,
        CustodyProof[] calldata proofs,
        address[] calldata custodians
    ) private view returns (bytes memory failure) {
        uint256 from = 0;
        for (uint256 i = 0; i < inputs.length; ++i) {
            bytes32 input = inputs[i];
            if (input == batchId) return _invalidInput(batchId, input);
            for (uint256 j = 0; j < i; ++j) {
                if (inputs[j] == input) return _invalidInput(batchId, input);
            }
            bytes32 inputHead = _heads[input];
            if (inputHead == bytes32(0)) return _error(ProvenanceLedgerUnknownBatch.selector, input);
            if (BatchHead.isRecalled(inputHead)) return _error(ProvenanceLedgerBatchRecalled.selector, input);
            uint256 holders = proofs[i].holders;
            uint256 to = from + holders + proofs[i].pending;
            address[] calldata custody = custodians[from:to];
            if (holders == 0 || !BatchHead.commitsTo(inputHead, proofs[i].link, Custody.hashOf(custody, holders))) {
                return _error(ProvenanceLedgerCustodyProofMismatch.selector, input);
            }
            if (!Custody.contains(custody, 0, holders, signer)) return _withAddress(ProvenanceLedgerNotHolder.selector, input, signer);
            from = to;
        }
        // success: `failure` stays the empty bytes at the zero slot, nothing allocated
    }

    /**
     * @dev Whether `signer` holds a role that may make events of `kind`. Which organisation of
     * that role may (a holder of the batch, the consignee of a shipment) is the custody's check.
     */
    function _mayMake(EventKind kind, address signer) private view returns (bool) {
        if (kind == EventKind.Sale) return hasRole(RETAILER_ROLE, signer);
        if (kind == EventKind.Harvest) return hasRole(PRODUCER_ROLE, signer);
        if (kind == EventKind.Processing) return hasRole(PROCESSOR_ROLE, signer) || hasRole(PRODUCER_ROLE, signer);
        if (kind == EventKind.Receipt) {
            return hasRole(RETAILER_ROLE, signer) || hasRole(CARRIER_ROLE, signer) || hasRole(PROCESSOR_ROLE, signer);
        }
        if (kind == EventKind.Shipment) return _holdsStock(signer);
        if (kind == EventKind.Recall) {
            return hasRole(PRODUCER_ROLE, signer) || hasRole(PROCESSOR_ROLE, signer) || _isAdmin(signer);
        }
        // Correction: whoever may record events at all, or an admin.
        return _holdsStock(signer) || _isAdmin(signer);
    }

    /// @dev Roles whose organisations hold or move produce: every role but the certifier's.
    function _holdsStock(address signer) private view returns (bool) {
        return
            hasRole(CARRIER_ROLE, signer) ||
            hasRole(PRODUCER_ROLE, signer) ||
            hasRole(PROCESSOR_ROLE, signer) ||
            hasRole(RETAILER_ROLE, signer);
    }

    function _headOf(bytes32 batchId) internal view override returns (bytes32) {
        return _heads[batchId];
    }

    function _originOf(bytes32 batchId) internal view override returns (BatchOrigin memory) {
        return _origins[batchId];
    }

    function _error(bytes4 selector, bytes32 batchId) private pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, batchId);
    }

    function _staleHead(bytes32 batchId, bytes32 current, bytes32 signed) private pure returns (bytes memory) {
        return abi.encodeWithSelector(ProvenanceLedgerStaleHead.selector, batchId, current, signed);
    }

    function _withAddress(bytes4 selector, bytes32 batchId, address account) private pure returns (bytes memory) {
        return abi.encodeWithSelector(selector, batchId, account);
    }

    function _invalidInput(bytes32 batchId, bytes32 input) private pure returns (bytes memory) {
        return abi.encodeWithSelector(ProvenanceLedgerInvalidInput.selector, batchId, input);
    }
}
