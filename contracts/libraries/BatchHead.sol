// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/**
 * @title BatchHead
 * @notice A batch's head is the end of a hash chain over its events, committing also to who holds
 * the batch (see Custody), and its low byte carries the batch's status flags, so one storage
 * word answers "which history does this event extend?", "who may extend it?" and "may this event
 * happen at all?":
 *
 *     link = keccak256(abi.encode(eventStructHash, signer))
 *     head = (keccak256(abi.encode(link, custodyHash)) & ~0xff) | flags
 *
 * The event's struct hash already contains the previous head, so the chain commits to every
 * event, its signer and its order. 248 bits of hash keep collisions out of reach.
 */
library BatchHead {
    /// @notice Set once the batch is recalled; never cleared.
    uint8 internal constant RECALLED = 0x01;

    bytes32 private constant _FLAGS_MASK = bytes32(uint256(0xff));

    /// @notice The link of an event: its struct hash and its signer, as the head commits to them.
    /// @param eventStructHash The event's EIP-712 struct hash.
    /// @param signer The event's signer.
    /// @return The link.
    function link(bytes32 eventStructHash, address signer) internal pure returns (bytes32) {
        return Hashes.efficientKeccak256(eventStructHash, bytes32(uint256(uint160(signer))));
    }

    /// @notice The head after an event with link `eventLink`, leaving the batch's custody at `custodyHash`.
    /// @param prevHead The head the event extended (its flags carry over).
    /// @param eventLink The event's link (see link).
    /// @param custodyHash The batch's custody after the event (see Custody).
    /// @param newFlags Flags the event sets (RECALLED for a recall).
    /// @return The new head.
    function next(bytes32 prevHead, bytes32 eventLink, bytes32 custodyHash, uint8 newFlags) internal pure returns (bytes32) {
        bytes32 chained = Hashes.efficientKeccak256(eventLink, custodyHash);
        return (chained & ~_FLAGS_MASK) | (prevHead & _FLAGS_MASK) | bytes32(uint256(newFlags));
    }

    /// @notice Whether `head` commits to the event link `eventLink` and the custody `custodyHash`.
    /// @param head A batch's head.
    /// @param eventLink The link of the batch's latest event.
    /// @param custodyHash The custody the head is said to commit to.
    /// @return True when it does.
    function commitsTo(bytes32 head, bytes32 eventLink, bytes32 custodyHash) internal pure returns (bool) {
        return (Hashes.efficientKeccak256(eventLink, custodyHash) & ~_FLAGS_MASK) == (head & ~_FLAGS_MASK);
    }

    /// @notice Whether the batch whose head this is has been recalled.
    /// @param head A batch's head.
    /// @return True once a recall was recorded.
    function isRecalled(bytes32 head) internal pure returns (bool) {
        return uint8(uint256(head)) & RECALLED != 0;
    }
}
