"""Shared helpers for the ModelRegistry tests (CIDs, version inputs, signed attestations)."""

from __future__ import annotations

import hashlib

from modelgov.chain.signing import AttestationRequest, sign_attestation
from modelgov.cid.text import DAG_PB, RAW, cid_bytes_for, cid_from_bytes

NONE, APPROVED, REJECTED = 0, 1, 2
ZERO32 = b"\x00" * 32
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
SEQ_MASK = 2**64 - 1  # the sequence part of a keyed nonce (the version id is above it)


def keyed(version_id: int, seq: int) -> int:
    """The registry's keyed nonce of sequence number ``seq`` on ``version_id``."""
    return (version_id << 64) | seq


def next_nonce(registry, auditor, version_id: int) -> int:
    """``auditor``'s next sequence number on ``version_id``."""
    return int(registry.nonces(auditor, version_id)) & SEQ_MASK


def cid(seed: str | int, version: int = 1) -> bytes:
    """A deterministic binary CID (v1 raw sha2-256 by default, v0 dag-pb when version=0)."""
    digest = hashlib.sha256(str(seed).encode()).digest()
    return cid_bytes_for(version, RAW if version else DAG_PB, digest)


def cid_text(seed: str | int, version: int = 1) -> str:
    return cid_from_bytes(cid(seed, version))


def version_input(
    seed: str | int = "weights",
    *,
    arweave: bytes = ZERO32,
    manifest: bytes | None = None,
    changelog: bytes = b"",
    profile: str = "unixfs-v1-2025",
    parent: int = 0,
    datasets: tuple[bytes, ...] = (),
    cid_bytes: bytes | None = None,
) -> tuple:
    """A VersionInput tuple in ABI order."""
    manifest = manifest if manifest is not None else hashlib.sha256(f"m-{seed}".encode()).digest()
    return (
        cid_bytes if cid_bytes is not None else cid(seed),
        arweave,
        manifest,
        changelog,
        profile,
        parent,
        list(datasets),
    )


def signed(
    chain,
    registry,
    signer,
    version_id: int,
    verdict: int = APPROVED,
    report: str | None = None,
    *,
    auditor: str | None = None,
    nonce: int | None = None,
    deadline: int | None = None,
    chain_id: int | None = None,
    verifying: str | None = None,
    expires_at: int = 0,
):
    """A SignedAttestation by ``signer`` (for ``auditor``, default the signer itself)."""
    auditor = auditor or signer.address
    request = AttestationRequest(
        chain_id=chain.chain_id if chain_id is None else chain_id,
        registry=verifying or str(registry.address),
        auditor=auditor,
        version_id=version_id,
        verdict=verdict,
        report_cid=report or cid_text(f"report-{version_id}-{auditor}"),
        nonce=next_nonce(registry, auditor, version_id) if nonce is None else nonce,
        deadline=deadline if deadline is not None else chain.pending_timestamp + 3600,
        expires_at=expires_at,
    )
    return sign_attestation(signer, request)


def relay_args(s) -> tuple:
    """Arguments of ``attestBySig`` (a signature without expiry)."""
    r = s.request
    return (r.auditor, r.version_id, r.verdict, r.report_cid_bytes(), r.keyed_nonce(), r.deadline,
            s.signature_bytes())


def R(contract):  # noqa: N802 - short on purpose: R(registry).version(1)
    """The typed client's Registry for an Ape contract instance of this test's suite."""
    from modelgov.chain.client import Deployment, ModelGov

    return ModelGov(None, deployment=Deployment({"registry": str(contract.address)})).registry


def relay_expiry_args(s) -> tuple:
    """Arguments of ``attestWithExpiryBySig``."""
    r = s.request
    return (r.auditor, r.version_id, r.verdict, r.report_cid_bytes(), r.expires_at,
            r.keyed_nonce(), r.deadline, s.signature_bytes())
