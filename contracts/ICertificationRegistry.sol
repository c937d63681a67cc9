// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ICertificationRegistry
 * @notice The certification registry of the provenance ledger: 圳品 (and other schemes')
 * certifications whose subject is one batch or a producer's product line.
 *
 * A certifier (an organisation holding CERTIFIER_ROLE) attests a certification by signing an
 * {Attestation} as EIP-712 typed data; anyone may relay it. The certifier or an admin revokes it
 * by signing a Revocation with a reason. Both are signed under the ledger's EIP-712 domain
 * (name "ProvenanceLedger", version "1"):
 *
 *     Attestation(bytes32 scheme,string certificateNo,uint8 subjectKind,bytes32 batchId,
 *                 address producer,uint64 gtin,uint64 validFrom,uint64 validUntil,bytes32 dataHash)
 *     Revocation(bytes32 certificationId,string reason)
 *
 * A certification's id is keccak256(abi.encode(certifier, scheme, keccak256(certificateNo))), so
 * a certifier attests each certificate number of a scheme once. On chain goes only what trust
 * needs; the certificate's detail stays off chain, committed to by `dataHash` (keccak256 of its
 * RFC 8785 canonical JSON).
 *
 * Batches and their origin come from the ledger (see IProvenanceLedger): a batch subject must be
 * an existing batch, and a product-line certification covers the batches its producer harvested
 * while it was valid.
 */
interface ICertificationRegistry {
    /// @notice What a certification covers.
    enum SubjectKind {
        Batch, // one batch
        ProductLine // every batch of one GTIN that one producer harvests inside the validity period
    }

    /// @notice A batch's certification status at a given time.
    enum CertificationStatus {
        None,
        Valid,
        Expired,
        Revoked
    }

    /**
     * @notice What a certifier signs to attest a certification.
     * @param scheme The scheme's name as a UTF-8 short string, left-aligned ("圳品").
     * @param certificateNo The certificate's number, unique per certifier and scheme.
     * @param subjectKind Whether the subject is one batch or a producer's product line.
     * @param batchId The certified batch (Batch subjects; zero otherwise).
     * @param producer The producer whose product line is certified (ProductLine; zero otherwise).
     * @param gtin The certified product's GTIN (ProductLine; zero otherwise).
     * @param validFrom First second of validity (unix time).
     * @param validUntil Last second of validity (unix time).
     * @param dataHash keccak256 of the RFC 8785 canonical JSON of the certificate's detail.
     */
    struct Attestation {
        bytes32 scheme;
        string certificateNo;
        SubjectKind subjectKind;
        bytes32 batchId;
        address producer;
        uint64 gtin;
        uint64 validFrom;
        uint64 validUntil;
        bytes32 dataHash;
    }

    /**
     * @notice A certification as stored.
     * @param certifier The certification body that signed the attestation (zero: no such certification).
     * @param validFrom First second of validity (unix time).
     * @param validUntil Last second of validity (unix time).
     * @param subjectKind Batch or product line.
     * @param revoked Whether the certification was revoked.
     * @param subject The batch id, or keccak256(abi.encode(producer, gtin)) for a product line.
     */
    struct Certification {
        address certifier;
        uint64 validFrom;
        uint64 validUntil;
        SubjectKind subjectKind;
        bool revoked;
        bytes32 subject;
    }

    /**
     * @notice A certification was attested.
     * @param certificationId keccak256(abi.encode(certifier, scheme, keccak256(certificateNo))).
     * @param certifier The certification body that signed the attestation.
     * @param subject The batch id, or keccak256(abi.encode(producer, gtin)) for a product line.
     * @param subjectKind Batch or product line.
     * @param scheme The scheme as a UTF-8 short string ("圳品").
     * @param certificateNo The certificate's number.
     * @param producer The product line's producer (zero for a batch).
     * @param gtin The product line's GTIN (zero for a batch).
     * @param validFrom First second of validity.
     * @param validUntil Last second of validity.
     * @param dataHash keccak256 of the certificate's canonical off-chain detail.
     */
    event CertificationAttested(
        bytes32 indexed certificationId,
        address indexed certifier,
        bytes32 indexed subject,
        SubjectKind subjectKind,
        bytes32 scheme,
        string certificateNo,
        address producer,
        uint64 gtin,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 dataHash
    );

    /**
     * @notice A certification was revoked.
     * @param certificationId The certification.
     * @param revokedBy Its certifier, or an admin.
     * @param reason Why, in words.
     */
    event CertificationRevoked(bytes32 indexed certificationId, address indexed revokedBy, string reason);

    /// @notice An attestation's or revocation's signature is malformed or high-s.
    error CertificationRegistryInvalidSignature();

    /// @notice The signer of an attestation is not a certifier.
    error CertificationRegistryNotCertifier(address signer);

    /// @notice validFrom must not be after validUntil.
    error CertificationRegistryInvalidValidity(uint64 validFrom, uint64 validUntil);

    /// @notice The attestation's subject fields do not fit its subject kind: a batch subject names
    /// no producer or GTIN; a product line names no batch, a producer holding the producer role
    /// and a valid GTIN.
    error CertificationRegistryInvalidSubject(SubjectKind subjectKind);

    /// @notice A batch subject names a batch that does not exist (not yet recorded on the ledger).
    error CertificationRegistryUnknownBatch(bytes32 batchId);

    /// @notice The certificate number is empty or longer than 64 bytes.
    error CertificationRegistryInvalidCertificateNo();

    /// @notice This certifier already attested this scheme's certificate number.
    error CertificationRegistryCertificationExists(bytes32 certificationId);

    /// @notice No certification has this id.
    error CertificationRegistryUnknownCertification(bytes32 certificationId);

    /// @notice The certification is already revoked.
    error CertificationRegistryCertificationAlreadyRevoked(bytes32 certificationId);

    /// @notice Only the certification's certifier or an admin may revoke it.
    error CertificationRegistryNotCertificationIssuer(bytes32 certificationId, address signer);

    /**
     * @notice Records a certification attested by a certifier's signature.
     * @param attestation What the certifier signed.
     * @param r The signature's r.
     * @param s The signature's s (lower half of the curve order only).
     * @param v The signature's v.
     * @return certificationId keccak256(abi.encode(certifier, scheme, keccak256(certificateNo))).
     */
    function attest(
        Attestation calldata attestation,
        bytes32 r,
        bytes32 s,
        uint8 v
    ) external returns (bytes32 certificationId);

    /**
     * @notice Revokes a certification by the signature of its certifier or of an admin over
     * Revocation{certificationId, reason}.
     * @param certificationId The certification.
     * @param reason Why, in words (signed, and emitted).
     * @param r The signature's r.
     * @param s The signature's s.
     * @param v The signature's v.
     */
    function revoke(bytes32 certificationId, string calldata reason, bytes32 r, bytes32 s, uint8 v) external;

    /// @notice A certification by id.
    /// @param certificationId The certification.
    /// @return All zero when no certification has this id.
    function certification(bytes32 certificationId) external view returns (Certification memory);

    /// @notice The ids of the certifications whose subject is this batch.
    /// @param batchId The batch.
    /// @return The certification ids, oldest first.
    function batchCertifications(bytes32 batchId) external view returns (bytes32[] memory);

    /// @notice The ids of the certifications of this producer's product line.
    /// @param producer The producer.
    /// @param gtin The product's GTIN.
    /// @return The certification ids, oldest first.
    function productLineCertifications(address producer, uint64 gtin) external view returns (bytes32[] memory);

    /**
     * @notice The batch's certification status at time `at`, and the certification that decides
     * it. Valid if any covering certification is unrevoked and valid at `at`; otherwise Revoked
     * if any covering certification was revoked; otherwise Expired if one has ended by `at`;
     * otherwise None. A revocation counts at every `at`: a certificate withdrawn for cause is not
     * vouched for even for the time before. A product-line certification covers a batch its
     * producer harvested (by the block time of the harvest) inside the validity period; it does
     * not cover derived batches.
     * @param batchId The batch.
     * @param at The time to judge at (unix seconds).
     * @return status The status.
     * @return certificationId The deciding certification (zero for None).
     */
    function certificationStatus(
        bytes32 batchId,
        uint64 at
    ) external view returns (CertificationStatus status, bytes32 certificationId);
}
