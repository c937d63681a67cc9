// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IProvenanceLedger} from "./IProvenanceLedger.sol";
import {LedgerAccess} from "./LedgerAccess.sol";
import {CertificationRegistry} from "./CertificationRegistry.sol";
import {BatchHead} from "./libraries/BatchHead.sol";
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
    function record(SignedEvent calldata signedEvent, bytes32[] calldata inputs) external returns (bytes32 head) {
        if (inputs.length != signedEvent.inputCount) {
            revert ProvenanceLedgerInputCountMismatch(signedEvent.inputCount, inputs.length);
        }
        bytes memory failure;
        (head, failure) = _record(signedEvent, inputs);
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
        bytes32[] calldata inputs
    ) external returns (uint256 recorded) {
        if (signedEvents.length == 0) revert ProvenanceLedgerEmptyBatch();
        uint256 cursor = 0;
        uint256 count = signedEvents.length;
        for (uint256 i = 0; i < count; ) {
            SignedEvent calldata signedEvent = signedEvents[i];
            uint256 end = cursor + signedEvent.inputCount;
            if (end > inputs.length) revert ProvenanceLedgerInputCountMismatch(end, inputs.length);
            (, bytes memory failure) = _record(signedEvent, inputs[cursor:end]);
            cursor = end;
            // Neither counter can overflow: both stay below the number of events in calldata.
            unchecked {
                if (failure.length == 0) ++recorded;
                else emit EventRejected(i, signedEvent.batchId, failure);
                ++i;
            }
        }
        if (cursor != inputs.length) revert ProvenanceLedgerInputCountMismatch(cursor, inputs.length);
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
        bytes32[] calldata inputs
    ) external view returns (bytes32) {
        return _hashTypedDataV4(EventHashing.structHash(batchId, uint8(kind), prevHead, dataHash, inputs));
    }

    /**
     * @dev Checks and records one event. A refusal is returned as the ABI-encoded custom error
     * instead of reverting, so that `recordBatch` can skip one bad event and go on; nothing is
     * written unless every check passed.
     */
    function _record(
        SignedEvent calldata e,
        bytes32[] calldata inputs
    ) private returns (bytes32 newHead, bytes memory failure) {
        bytes32 batchId = e.batchId;
        EventKind kind = e.kind;
        bytes32 current = _heads[batchId];
        bool creates = kind == EventKind.Harvest || (kind == EventKind.Processing && current == bytes32(0));

        failure = creates ? _checkCreation(e, current, inputs.length) : _checkExtension(e, current, inputs.length);
        if (failure.length != 0) return (bytes32(0), failure);

        bytes32 structHash = EventHashing.structHash(batchId, uint8(kind), e.prevHead, e.dataHash, inputs);
        address signer = EventHashing.recover(_hashTypedDataV4(structHash), e.r, e.s, e.v);
        if (signer == address(0)) return (bytes32(0), _error(ProvenanceLedgerInvalidSignature.selector, batchId));
        if (!_mayMake(kind, signer)) {
            return (bytes32(0), abi.encodeWithSelector(ProvenanceLedgerUnauthorizedSigner.selector, signer, kind));
        }
        if (kind == EventKind.Recall && signer != _origins[batchId].creator && !_isAdmin(signer)) {
            return (bytes32(0), abi.encodeWithSelector(ProvenanceLedgerNotBatchCreator.selector, batchId, signer));
        }
        failure = _checkInputs(batchId, inputs);
        if (failure.length != 0) return (bytes32(0), failure);

        newHead = BatchHead.next(current, structHash, signer, kind == EventKind.Recall ? BatchHead.RECALLED : 0);
        _heads[batchId] = newHead;
        if (creates) {
            _origins[batchId] = BatchOrigin({creator: signer, createdAt: uint64(block.timestamp), createdBy: kind});
        }
        // Lineage first, so that a reader meets an event's inputs before the event itself.
        for (uint256 i = 0; i < inputs.length; ++i) {
            emit BatchDerived(batchId, inputs[i]);
        }
        emit EventRecorded(batchId, signer, kind, e.dataHash);
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

    /// @dev Every input must be another existing, unrecalled batch, named once.
    function _checkInputs(bytes32 batchId, bytes32[] calldata inputs) private view returns (bytes memory failure) {
        for (uint256 i = 0; i < inputs.length; ++i) {
            bytes32 input = inputs[i];
            if (input == batchId) return _invalidInput(batchId, input);
            for (uint256 j = 0; j < i; ++j) {
                if (inputs[j] == input) return _invalidInput(batchId, input);
            }
            bytes32 inputHead = _heads[input];
            if (inputHead == bytes32(0)) return _error(ProvenanceLedgerUnknownBatch.selector, input);
            if (BatchHead.isRecalled(inputHead)) return _error(ProvenanceLedgerBatchRecalled.selector, input);
        }
        // success: `failure` stays the empty bytes at the zero slot, nothing allocated
    }

    /**
     * @dev Whether `signer` holds a role that may make events of `kind`. Which organisation of
     * that role may (the batch's holder, the consignee of a shipment) is the rules layer's check,
     * repeated by every independent audit.
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

    function _invalidInput(bytes32 batchId, bytes32 input) private pure returns (bytes memory) {
        return abi.encodeWithSelector(ProvenanceLedgerInvalidInput.selector, batchId, input);
    }
}
