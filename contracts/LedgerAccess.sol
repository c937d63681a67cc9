// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/**
 * @title LedgerAccess
 * @notice The ledger's roles and the recovery of EIP-712 signers. Organisations hold roles by
 * address; the admin (DEFAULT_ADMIN_ROLE) grants and revokes them with AccessControl's
 * functions, which emit RoleGranted and RoleRevoked.
 */
abstract contract LedgerAccess is AccessControl, EIP712 {
    /// @notice Farmers and cooperatives: harvest, and of the batches they hold processing, shipment,
    /// correction; recall of their own batches.
    bytes32 public constant PRODUCER_ROLE = keccak256("PRODUCER_ROLE");
    /// @notice Packing houses: processing (split, merge), receipt, shipment, correction; recall of
    /// the batches they made.
    bytes32 public constant PROCESSOR_ROLE = keccak256("PROCESSOR_ROLE");
    /// @notice 圳品 certification bodies: attest and revoke certifications.
    bytes32 public constant CERTIFIER_ROLE = keccak256("CERTIFIER_ROLE");
    /// @notice Logistics: receipt (taking a batch over from the holder that shipped it to it), then
    /// shipment of what it holds, correction.
    bytes32 public constant CARRIER_ROLE = keccak256("CARRIER_ROLE");
    /// @notice Counters and stores: receipt, then sale and shipment of what they hold, correction.
    bytes32 public constant RETAILER_ROLE = keccak256("RETAILER_ROLE");

    /// @param admin The first admin.
    constructor(address admin) EIP712("ProvenanceLedger", "1") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @dev The signer of `structHash` under this contract's EIP-712 domain, or the zero address
     * for a malformed or malleable (high-s) signature.
     */
    function _recoverSigner(bytes32 structHash, bytes32 r, bytes32 s, uint8 v) internal view returns (address) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(_hashTypedDataV4(structHash), v, r, s);
        return error == ECDSA.RecoverError.NoError ? signer : address(0);
    }

    function _isAdmin(address account) internal view returns (bool) {
        return hasRole(DEFAULT_ADMIN_ROLE, account);
    }
}
