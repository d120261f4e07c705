"""UnixFS import profiles: one frozen table, named as in IPIP-499 (plus Kubo's ``--cid-version=1``).

============== =========== =========== ========= ========= ========== =========================
name           CID version leaves      chunk     fan-out   HAMT size  equals
============== =========== =========== ========= ========= ========== =========================
unixfs-v0-2015 0           dag-pb file 256 KiB   174       links      ``ipfs add``
kubo-cidv1     1           raw         256 KiB   174       links      ``ipfs add --cid-version=1``
unixfs-v1-2025 1           raw         1 MiB     1024      block      IPIP-499 (the default here)
============== =========== =========== ========= ========= ========== =========================

Directories are basic UnixFS directories until their estimated size is strictly above
``shard_threshold`` (256 KiB, boxo's ``HAMTShardingSize``); then they become HAMT sharded
directories (fanout 256, murmur3; see :mod:`modelgov.cid.hamt`) exactly as Kubo builds them.
The estimate (Kubo's ``Import.UnixFSHAMTDirectorySizeEstimation``) is ``links`` — the sum of
``len(name) + len(cid bytes)``, Kubo's default — or ``block`` — the exact size of the basic
directory block, set by IPIP-499's ``unixfs-v1-2025``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from modelgov.errors import UnknownProfileError, ValidationError

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Profile:
    """How a file or directory is cut into blocks and linked.

    Attributes:
        name: profile name.
        cid_version: 0 (base58 ``Qm…``) or 1 (base32 ``b…``).
        raw_leaves: leaves are raw blocks (codec 0x55) instead of dag-pb UnixFS file nodes.
        chunk_size: fixed chunk size in bytes.
        max_links: children per internal node of the balanced layout.
        shard_threshold: estimated directory size (bytes) above which it becomes a HAMT.
        description: one line for ``--help``.
        shard_estimation: how that size is estimated: ``"links"`` (name + CID bytes of every
            link, Kubo's default) or ``"block"`` (the basic directory block's exact size).
    """

    name: str
    cid_version: int
    raw_leaves: bool
    chunk_size: int
    max_links: int
    shard_threshold: int = 256 * KIB
    description: str = ""
    shard_estimation: str = "links"

    def __post_init__(self) -> None:
        if self.cid_version not in (0, 1):
            raise ValidationError(f"cid_version must be 0 or 1, not {self.cid_version}")
        if self.cid_version == 0 and self.raw_leaves:
            raise ValidationError("CIDv0 cannot address raw leaves")
        if self.chunk_size < 1 or self.max_links < 2:
            raise ValidationError("chunk_size must be >= 1 and max_links >= 2")
        if self.shard_estimation not in ("links", "block"):
            raise ValidationError(
                f"shard_estimation must be 'links' or 'block', not {self.shard_estimation!r}"
            )

    def scaled(self, chunk_size: int, max_links: int) -> Profile:
        """The same profile with another chunk size and fan-out (tests use small ones)."""
        return replace(self, name=f"{self.name}/{chunk_size}x{max_links}", chunk_size=chunk_size,
                       max_links=max_links)


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("unixfs-v0-2015", 0, False, 256 * KIB, 174,
                description="Kubo `ipfs add` default: CIDv0, dag-pb leaves, 256 KiB, 174 links"),
        Profile("kubo-cidv1", 1, True, 256 * KIB, 174,
                description="`ipfs add --cid-version=1`: CIDv1, raw leaves, 256 KiB, 174 links"),
        Profile("unixfs-v1-2025", 1, True, 1 * MIB, 1024,
                description="IPIP-499: CIDv1, raw leaves, 1 MiB chunks, 1024 links",
                shard_estimation="block"),
    )
}

DEFAULT_PROFILE = "unixfs-v1-2025"


def get_profile(name: str | Profile | None = None) -> Profile:
    """Return the profile called ``name`` (the default when None; a Profile is returned as is).

    Raises:
        UnknownProfileError: no profile has that name.
    """
    if isinstance(name, Profile):
        return name
    if name is None:
        name = DEFAULT_PROFILE
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise UnknownProfileError(f"unknown profile {name!r}; known profiles: {known}") from None
