// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title Gs1BatchId
 * @notice A batch id is the batch's GS1 identity packed into one word: bytes 0-5 the GTIN as a
 * big-endian integer, bytes 6-25 the lot (GS1 AI 10) right-padded with zero bytes, bytes 26-31
 * zero. This library checks that a word is such an id, so that every batch on the ledger has a
 * QR URI and no two URIs name one batch.
 */
library Gs1BatchId {
    uint256 private constant _LOT_LENGTH = 20;
    uint256 private constant _GTIN_MAX = 99_999_999_999_999; // 14 digits

    /// @notice The GTIN packed in the id.
    /// @param batchId The batch id.
    /// @return The GTIN as an integer.
    function gtinOf(bytes32 batchId) internal pure returns (uint64) {
        return uint64(uint256(batchId) >> 208);
    }

    /**
     * @notice Whether `batchId` is well formed: a GTIN of at most 14 digits with a correct check
     * digit, a lot of 1 to 20 characters from GS1's 82-character set followed only by zero
     * padding, and zero trailing bytes.
     * @param batchId The word to check.
     * @return Whether it is a batch id.
     */
    function isWellFormed(bytes32 batchId) internal pure returns (bool) {
        if (uint48(uint256(batchId)) != 0) return false;
        if (!isGtin(gtinOf(batchId))) return false;
        bool ended = false;
        for (uint256 i = 0; i < _LOT_LENGTH; ++i) {
            uint8 c = uint8(batchId[6 + i]);
            if (c == 0) {
                if (i == 0) return false; // an empty lot
                ended = true;
            } else if (ended || !_isGs1Character(c)) {
                return false;
            }
        }
        return true;
    }

    /// @notice Whether `gtin` is a GTIN: at most 14 digits (GTIN-8, -12, -13 and -14 are the same
    /// number once left-padded) with a correct check digit.
    /// @param gtin The number to check.
    /// @return Whether it is a GTIN.
    function isGtin(uint256 gtin) internal pure returns (bool) {
        if (gtin == 0 || gtin > _GTIN_MAX) return false;
        uint256 checkDigit = gtin % 10;
        uint256 body = gtin / 10;
        uint256 sum = 0;
        // Weights alternate 3, 1, 3, ... starting from the digit next to the check digit.
        for (uint256 weight = 3; body > 0; weight = 4 - weight) {
            sum += (body % 10) * weight;
            body /= 10;
        }
        return (10 - (sum % 10)) % 10 == checkDigit;
    }

    /// @dev GS1's character set 82: ! " % & ' ( ) * + , - . / 0-9 : ; < = > ? A-Z _ a-z
    function _isGs1Character(uint8 c) private pure returns (bool) {
        return
            c == 0x21 ||
            c == 0x22 ||
            (c >= 0x25 && c <= 0x3f) ||
            (c >= 0x41 && c <= 0x5a) ||
            c == 0x5f ||
            (c >= 0x61 && c <= 0x7a);
    }
}
