// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICertificationRegistry} from "./ICertificationRegistry.sol";
import {IProvenanceLedger} from "./IProvenanceLedger.sol";
import {LedgerAccess} from "./LedgerAccess.sol";
import {Gs1BatchId} from "./libraries/Gs1BatchId.sol";

/**
 * @title CertificationRegistry
 * @notice 圳品 (and other schemes') certifications: a certifier signs an attestation whose
 * subject is one batch or a producer's product line; the certifier or an admin may revoke it
 * with a reason. The batch side of the ledger provides batch existence and origin. See
 * {ICertificationRegistry} for the data model.
 */
abstract contract CertificationRegistry is ICertificationRegistry, LedgerAccess {
    bytes32 private constant _ATTESTATION_TYPEHASH =
        keccak256(
            "Attestation(bytes32 scheme,string certificateNo,uint8 subjectKind,bytes32 batchId,"
            "address producer,uint64 gtin,uint64 validFrom,uint64 validUntil,bytes32 dataHash)"
        );
    bytes32 private constant _REVOCATION_TYPEHASH = keccak256("Revocation(bytes32 certificationId,string reason)");
    uint256 private constant _MAX_CERTIFICATE_NO_LENGTH = 64;

    mapping(bytes32 certificationId => Certification) private _certifications;
    mapping(bytes32 batchId => bytes32[]) private _batchCertificationIds;
    mapping(bytes32 productLine => bytes32[]) private _productLineCertificationIds;

    /// @inheritdoc ICertificationRegistry
    function attest(
        Attestation calldata attestation,
        bytes32 r,
        bytes32 s,
        uint8 v
    ) external returns (bytes32 certificationId) {
        if (attestation.validFrom > attestation.validUntil) {
            revert CertificationRegistryInvalidValidity(attestation.validFrom, attestation.validUntil);
        }
        uint256 numberLength = bytes(attestation.certificateNo).length;
        if (numberLength == 0 || numberLength > _MAX_CERTIFICATE_NO_LENGTH) {
            revert CertificationRegistryInvalidCertificateNo();
        }
        bytes32 subject = _subjectOf(attestation);

        bytes32 certificateNoHash = keccak256(bytes(attestation.certificateNo));
        address certifier = _recoverSigner(_hashAttestation(attestation, certificateNoHash), r, s, v);
        if (certifier == address(0)) revert CertificationRegistryInvalidSignature();
        if (!hasRole(CERTIFIER_ROLE, certifier)) revert CertificationRegistryNotCertifier(certifier);

        certificationId = keccak256(abi.encode(certifier, attestation.scheme, certificateNoHash));
        if (_certifications[certificationId].certifier != address(0)) {
            revert CertificationRegistryCertificationExists(certificationId);
        }
        _certifications[certificationId] = Certification({
            certifier: certifier,
            validFrom: attestation.validFrom,
            validUntil: attestation.validUntil,
            subjectKind: attestation.subjectKind,
            revoked: false,
            subject: subject
        });
        if (attestation.subjectKind == SubjectKind.Batch) {
            _batchCertificationIds[subject].push(certificationId);
        } else {
            _productLineCertificationIds[subject].push(certificationId);
        }
        _emitAttested(certificationId, certifier, subject, attestation);
    }

    /// @inheritdoc ICertificationRegistry
    function revoke(bytes32 certificationId, string calldata reason, bytes32 r, bytes32 s, uint8 v) external {
        Certification storage cert = _certifications[certificationId];
        if (cert.certifier == address(0)) revert CertificationRegistryUnknownCertification(certificationId);
        if (cert.revoked) revert CertificationRegistryCertificationAlreadyRevoked(certificationId);

        bytes32 structHash = keccak256(abi.encode(_REVOCATION_TYPEHASH, certificationId, keccak256(bytes(reason))));
        address signer = _recoverSigner(structHash, r, s, v);
        if (signer == address(0)) revert CertificationRegistryInvalidSignature();
        if (signer != cert.certifier && !_isAdmin(signer)) {
            revert CertificationRegistryNotCertificationIssuer(certificationId, signer);
        }
        cert.revoked = true;
        emit CertificationRevoked(certificationId, signer, reason);
    }

    /// @inheritdoc ICertificationRegistry
    function certification(bytes32 certificationId) external view returns (Certification memory) {
        return _certifications[certificationId];
    }

    /// @inheritdoc ICertificationRegistry
    function batchCertifications(bytes32 batchId) external view returns (bytes32[] memory) {
        return _batchCertificationIds[batchId];
    }

    /// @inheritdoc ICertificationRegistry
    function productLineCertifications(address producer, uint64 gtin) external view returns (bytes32[] memory) {
        return _productLineCertificationIds[_productLineKey(producer, gtin)];
    }

    /// @inheritdoc ICertificationRegistry
    function certificationStatus(
        bytes32 batchId,
        uint64 at
    ) external view returns (CertificationStatus status, bytes32 certificationId) {
        bytes32 revokedId;
        bytes32 expiredId;
        bytes32[] storage direct = _batchCertificationIds[batchId];
        for (uint256 i = 0; i < direct.length; ++i) {
            (status, certificationId) = _statusAt(direct[i], at);
            if (status == CertificationStatus.Valid) return (status, certificationId);
            if (status == CertificationStatus.Revoked) revokedId = certificationId;
            if (status == CertificationStatus.Expired) expiredId = certificationId;
        }
        IProvenanceLedger.BatchOrigin memory origin = _originOf(batchId);
        if (origin.createdBy == IProvenanceLedger.EventKind.Harvest && origin.creator != address(0)) {
            bytes32[] storage lines = _productLineCertificationIds[
                _productLineKey(origin.creator, Gs1BatchId.gtinOf(batchId))
            ];
            for (uint256 i = 0; i < lines.length; ++i) {
                Certification storage cert = _certifications[lines[i]];
                // A product-line certificate covers what was harvested while it was valid.
                if (origin.createdAt < cert.validFrom || origin.createdAt > cert.validUntil) continue;
                (status, certificationId) = _statusAt(lines[i], at);
                if (status == CertificationStatus.Valid) return (status, certificationId);
                if (status == CertificationStatus.Revoked) revokedId = certificationId;
                if (status == CertificationStatus.Expired) expiredId = certificationId;
            }
        }
        if (revokedId != bytes32(0)) return (CertificationStatus.Revoked, revokedId);
        if (expiredId != bytes32(0)) return (CertificationStatus.Expired, expiredId);
        return (CertificationStatus.None, bytes32(0));
    }

    /// @dev The batch's head; zero when the batch does not exist.
    function _headOf(bytes32 batchId) internal view virtual returns (bytes32);

    /// @dev The batch's origin; all zero when the batch does not exist.
    function _originOf(bytes32 batchId) internal view virtual returns (IProvenanceLedger.BatchOrigin memory);

    function _statusAt(bytes32 certificationId, uint64 at) private view returns (CertificationStatus, bytes32) {
        Certification storage cert = _certifications[certificationId];
        if (cert.revoked) return (CertificationStatus.Revoked, certificationId);
        if (at > cert.validUntil) return (CertificationStatus.Expired, certificationId);
        if (at >= cert.validFrom) return (CertificationStatus.Valid, certificationId);
        return (CertificationStatus.None, certificationId); // not valid yet
    }

    /// @dev The stored subject, after checking that the attestation's subject fields fit its kind.
    function _subjectOf(Attestation calldata attestation) private view returns (bytes32) {
        if (attestation.subjectKind == SubjectKind.Batch) {
            if (attestation.producer != address(0) || attestation.gtin != 0) {
                revert CertificationRegistryInvalidSubject(attestation.subjectKind);
            }
            if (_headOf(attestation.batchId) == bytes32(0)) {
                revert CertificationRegistryUnknownBatch(attestation.batchId);
            }
            return attestation.batchId;
        }
        if (
            attestation.batchId != bytes32(0) ||
            !hasRole(PRODUCER_ROLE, attestation.producer) || // also bounds what certificationStatus loops over
            !Gs1BatchId.isGtin(attestation.gtin)
        ) {
            revert CertificationRegistryInvalidSubject(attestation.subjectKind);
        }
        return _productLineKey(attestation.producer, attestation.gtin);
    }

    function _emitAttested(
        bytes32 certificationId,
        address certifier,
        bytes32 subject,
        Attestation calldata attestation
    ) private {
        emit CertificationAttested(
            certificationId,
            certifier,
            subject,
            attestation.subjectKind,
            attestation.scheme,
            attestation.certificateNo,
            attestation.producer,
            attestation.gtin,
            attestation.validFrom,
            attestation.validUntil,
            attestation.dataHash
        );
    }

    function _hashAttestation(
        Attestation calldata attestation,
        bytes32 certificateNoHash
    ) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    _ATTESTATION_TYPEHASH,
                    attestation.scheme,
                    certificateNoHash,
                    attestation.subjectKind,
                    attestation.batchId,
                    attestation.producer,
                    attestation.gtin,
                    attestation.validFrom,
                    attestation.validUntil,
                    attestation.dataHash
                )
            );
    }

    function _productLineKey(address producer, uint64 gtin) private pure returns (bytes32) {
        return keccak256(abi.encode(producer, gtin));
    }
}
