// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/**
 * @title BatchHead
 * @notice A batch's head is the end of a hash chain over its events, and its low byte carries
 * the batch's status flags, so one storage word answers both "which history does this event
 * extend?" and "may this event happen at all?":
 *
 *     head = (keccak256(abi.encode(eventStructHash, signer)) & ~0xff) | flags
 *
 * The event's struct hash already contains the previous head, so the chain commits to every
 * event, its signer and its order. 248 bits of hash keep collisions out of reach.
 */
library BatchHead {
    /// @notice Set once the batch is recalled; never cleared.
    uint8 internal constant RECALLED = 0x01;

    bytes32 private constant _FLAGS_MASK = bytes32(uint256(0xff));

    /// @notice The head after an event with struct hash `eventStructHash` signed by `signer`.
    /// @param prevHead The head the event extended (its flags carry over).
    /// @param eventStructHash The event's EIP-712 struct hash.
    /// @param signer The event's signer.
    /// @param newFlags Flags the event sets (RECALLED for a recall).
    /// @return The new head.
    function next(
        bytes32 prevHead,
        bytes32 eventStructHash,
        address signer,
        uint8 newFlags
    ) internal pure returns (bytes32) {
        bytes32 chained = Hashes.efficientKeccak256(eventStructHash, bytes32(uint256(uint160(signer))));
        return (chained & ~_FLAGS_MASK) | (prevHead & _FLAGS_MASK) | bytes32(uint256(newFlags));
    }

    /// @notice Whether the batch whose head this is has been recalled.
    /// @param head A batch's head.
    /// @return True once a recall was recorded.
    function isRecalled(bytes32 head) internal pure returns (bool) {
        return uint8(uint256(head)) & RECALLED != 0;
    }
}
