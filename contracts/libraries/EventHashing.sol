// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title EventHashing
 * @notice The EIP-712 struct hash of a ledger event and the recovery of its signer, written for a
 * loop over hundreds of events: both work in memory past the free memory pointer without
 * advancing it, so recording an event allocates nothing and a batch's memory stays flat.
 */
library EventHashing {
    /// @notice keccak256 of the EIP-712 type of an event.
    bytes32 internal constant EVENT_TYPEHASH =
        keccak256(
            "Event(bytes32 batchId,uint8 kind,bytes32 prevHead,bytes32 dataHash,bytes32[] inputs,address counterparty)"
        );

    /// @dev EIP-712 encodes an empty bytes32[] as keccak256 of nothing.
    bytes32 private constant _EMPTY_INPUTS_HASH = keccak256("");

    /// @dev Signatures with s above half the curve order are malleable copies (EIP-2).
    uint256 private constant _HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /**
     * @notice hashStruct(Event{batchId, kind, prevHead, dataHash, inputs, counterparty}).
     * @param batchId The batch.
     * @param kind The event kind's number.
     * @param prevHead The head the event extends.
     * @param dataHash keccak256 of the event's canonical detail.
     * @param inputs The event's input batches.
     * @param counterparty The organisation a shipment goes to; zero otherwise.
     * @return result The struct hash.
     */
    function structHash(
        bytes32 batchId,
        uint8 kind,
        bytes32 prevHead,
        bytes32 dataHash,
        bytes32[] calldata inputs,
        address counterparty
    ) internal pure returns (bytes32 result) {
        bytes32 typeHash = EVENT_TYPEHASH;
        bytes32 inputsHash = _EMPTY_INPUTS_HASH;
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            if inputs.length {
                let size := shl(5, inputs.length)
                calldatacopy(scratch, inputs.offset, size)
                inputsHash := keccak256(scratch, size)
            }
            mstore(scratch, typeHash)
            mstore(add(scratch, 0x20), batchId)
            mstore(add(scratch, 0x40), kind)
            mstore(add(scratch, 0x60), prevHead)
            mstore(add(scratch, 0x80), dataHash)
            mstore(add(scratch, 0xa0), inputsHash)
            mstore(add(scratch, 0xc0), counterparty)
            result := keccak256(scratch, 0xe0)
        }
    }

    /**
     * @notice The address that signed `digest`, or zero for a malformed or high-s signature.
     * @param digest The signed EIP-712 digest.
     * @param r The signature's r.
     * @param s The signature's s.
     * @param v The signature's v (27 or 28; anything else recovers nothing).
     * @return signer The signer, or the zero address.
     */
    function recover(bytes32 digest, bytes32 r, bytes32 s, uint8 v) internal view returns (address signer) {
        if (uint256(s) > _HALF_ORDER) return address(0);
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            mstore(scratch, digest)
            mstore(add(scratch, 0x20), v)
            mstore(add(scratch, 0x40), r)
            mstore(add(scratch, 0x60), s)
            // The ecrecover precompile returns nothing for a signature it cannot recover.
            mstore(0x00, 0)
            let ok := staticcall(gas(), 0x01, scratch, 0x80, 0x00, 0x20)
            signer := mul(mload(0x00), and(ok, eq(returndatasize(), 0x20)))
        }
    }
}
