// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Custody
 * @notice Who holds a batch, as its head commits to it: the holders (the creator first, then each
 * organisation that received it, in the order they did) and the pending consignees (named by a
 * shipment, not yet received). The list travels in calldata with each event that needs it and is
 * checked against the hash in the head, so no storage is spent on it:
 *
 *     custodyHash = keccak256(abi.encode(holders.length, pending.length, holders..., pending...))
 *
 * All work is done past the free memory pointer without advancing it, so a batch of hundreds of
 * events allocates nothing here.
 */
library Custody {
    /// @notice How many custodians one head may commit to: the calldata of every event grows with them.
    uint256 internal constant MAX_CUSTODIANS = 32;

    /**
     * @notice The custody hash of `custodians`, of which the first `holders` hold the batch.
     * @dev The words are hashed as they stand in calldata: a dirty address word gives another
     * hash, so a list whose hash matches a head holds only the clean words that were committed.
     * @param custodians Holders, then pending consignees.
     * @param holders How many of them hold the batch.
     * @return result The hash.
     */
    function hashOf(address[] calldata custodians, uint256 holders) internal pure returns (bytes32 result) {
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            mstore(scratch, holders)
            mstore(add(scratch, 0x20), sub(custodians.length, holders))
            let size := shl(5, custodians.length)
            calldatacopy(add(scratch, 0x40), custodians.offset, size)
            result := keccak256(scratch, add(size, 0x40))
        }
    }

    /// @notice The custody of a new batch: its creator holds it.
    /// @param creator The batch's creator.
    /// @return result The hash.
    function ofCreator(address creator) internal pure returns (bytes32 result) {
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            mstore(scratch, 1)
            mstore(add(scratch, 0x20), 0)
            mstore(add(scratch, 0x40), creator)
            result := keccak256(scratch, 0x60)
        }
    }

    /// @notice Whether `account` is one of `custodians[from:to]`.
    function contains(address[] calldata custodians, uint256 from, uint256 to, address account) internal pure returns (bool) {
        for (uint256 i = from; i < to; ) {
            if (custodians[i] == account) return true;
            // Bounded by the custodians' length (at most MAX_CUSTODIANS).
            unchecked {
                ++i;
            }
        }
        return false;
    }

    /**
     * @notice The custody after a shipment names `consignee`: appended to the pending ones
     * (unless it is pending already: then the custody is unchanged and `before` is returned).
     * @param custodians The custody before.
     * @param holders How many of them hold the batch.
     * @param before The hash of the custody before.
     * @param consignee The organisation the shipment goes to.
     * @return result The hash after, and whether it fits under MAX_CUSTODIANS.
     */
    function afterShipment(
        address[] calldata custodians,
        uint256 holders,
        bytes32 before,
        address consignee
    ) internal pure returns (bytes32 result, bool fits) {
        uint256 count = custodians.length;
        if (contains(custodians, holders, count, consignee)) return (before, true);
        if (count >= MAX_CUSTODIANS) return (bytes32(0), false);
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            mstore(scratch, holders)
            mstore(add(scratch, 0x20), add(sub(count, holders), 1))
            let size := shl(5, count)
            calldatacopy(add(scratch, 0x40), custodians.offset, size)
            mstore(add(add(scratch, 0x40), size), consignee)
            result := keccak256(scratch, add(size, 0x60))
        }
        fits = true;
    }

    /**
     * @notice The custody after `receiver`, pending at `custodians[at]`, records its receipt: no
     * longer pending, and a holder (appended after the holders unless it is one already).
     * @param custodians The custody before.
     * @param holders How many of them hold the batch.
     * @param at Where the receiver stands among the pending (an index into custodians).
     * @param receiver The receiving organisation.
     * @return result The hash after.
     */
    function afterReceipt(
        address[] calldata custodians,
        uint256 holders,
        uint256 at,
        address receiver
    ) internal pure returns (bytes32 result) {
        uint256 count = custodians.length;
        bool known = contains(custodians, 0, holders, receiver);
        assembly ("memory-safe") {
            let scratch := mload(0x40)
            let newHolders := add(holders, iszero(known))
            mstore(scratch, newHolders)
            mstore(add(scratch, 0x20), sub(sub(count, holders), 1))
            let out := add(scratch, 0x40)
            // The holders, then the receiver if it is new, then the pending ones but it.
            calldatacopy(out, custodians.offset, shl(5, holders))
            out := add(out, shl(5, holders))
            if iszero(known) {
                mstore(out, receiver)
                out := add(out, 0x20)
            }
            calldatacopy(out, add(custodians.offset, shl(5, holders)), shl(5, sub(at, holders)))
            out := add(out, shl(5, sub(at, holders)))
            let rest := sub(count, add(at, 1))
            calldatacopy(out, add(custodians.offset, shl(5, add(at, 1))), shl(5, rest))
            out := add(out, shl(5, rest))
            result := keccak256(scratch, sub(out, scratch))
        }
    }

    /// @notice Where `account` stands among the pending consignees, or `custodians.length` if it is not one.
    function pendingIndex(address[] calldata custodians, uint256 holders, address account) internal pure returns (uint256) {
        uint256 count = custodians.length;
        for (uint256 i = holders; i < count; ) {
            if (custodians[i] == account) return i;
            // Bounded by the custodians' length (at most MAX_CUSTODIANS).
            unchecked {
                ++i;
            }
        }
        return count;
    }
}
