"""ANS-104 bundles: every file of a model folder as a signed data item, plus an Arweave path
manifest, in one bundle transaction (what Irys/Turbo-style folder uploads post).

Data item (ANS-104)::

    u16 LE signature type | signature | owner
    u8 target present (0) | u8 anchor present (1) + anchor (32)
    u64 LE tag count | u64 LE tag bytes | tags (Avro array of {name: string, value: string})
    data

Two signers (:class:`ItemSigner`):

- type 1, Arweave (an Arweave JWK wallet): signature 512 bytes, RSA-PSS/SHA-256; owner = the
  4096-bit RSA modulus (512 bytes);
- type 3, Ethereum (a DAO member's Ethereum key, :mod:`modelgov.storage.eth_signer`): signature
  65 bytes, EIP-191 personal_sign (secp256k1); owner = the uncompressed public key (65 bytes).

Either signs ``deepHash(["dataitem", "1", "<type>", owner, target, anchor, tags, data])``; the
item's id is ``base64url(sha256(signature))``.

Bundle: ``u256 LE item count``, then per item ``u256 LE size | id (32 raw bytes)``, then the
items back to back. The bundle goes up as one ordinary Arweave transaction tagged
``Bundle-Format: binary``, ``Bundle-Version: 2.0.0`` (uploaded in chunks, resumable, by
:func:`modelgov.storage.arweave.upload_file`).

The path manifest (``application/x.arweave-manifest+json``, ``arweave/paths`` 0.1.0) maps each
file path to its data item id, so a gateway serves ``/<manifest id>/<path>``.

Memory stays flat: each file is read twice (once to sign, once to write the bundle file), never
held whole. The bundle file and a record live under ``$MODELGOV_HOME/arweave-bundles/<key>/``;
a re-run of the same folder (same manifest digest) reuses the bundle and resumes its upload.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from modelgov.errors import BundleError, PathError, ValidationError
from modelgov.paths import state_dir
from modelgov.storage.arweave_merkle import b64url_decode, b64url_encode
from modelgov.storage.arweave_wallet import Wallet, verify

if TYPE_CHECKING:  # pragma: no cover
    from modelgov.storage.arweave import Gateway

SIG_TYPE_ARWEAVE = 1
SIG_TYPE_ETHEREUM = 3
SIG_LENGTH = 512
OWNER_LENGTH = 512
#: signature type -> (signature bytes, owner bytes), as arbundles' SIG_CONFIG
SIG_CONFIG = {SIG_TYPE_ARWEAVE: (512, 512), SIG_TYPE_ETHEREUM: (65, 65)}
SIGNER_NAMES = {SIG_TYPE_ARWEAVE: "arweave", SIG_TYPE_ETHEREUM: "ethereum"}
MANIFEST_CONTENT_TYPE = "application/x.arweave-manifest+json"
MAX_TAGS = 128
MAX_TAG_NAME = 1024
MAX_TAG_VALUE = 3072
MAX_TAG_BYTES = 4096
READ_SIZE = 1 << 20
BUNDLE_TAGS = (("Bundle-Format", "binary"), ("Bundle-Version", "2.0.0"))


# --- signers ----------------------------------------------------------------------------------
class ItemSigner(Protocol):
    """What signs a data item: :class:`ArweaveItemSigner` (type 1) or
    :class:`modelgov.storage.eth_signer.EthereumItemSigner` (type 3)."""

    @property
    def signature_type(self) -> int: ...

    @property
    def signature_length(self) -> int: ...

    @property
    def owner(self) -> bytes:
        """The public key bytes written as the item's owner."""
        ...

    @property
    def label(self) -> str:
        """Who signs (an Arweave or Ethereum address): names the bundle's work folder and record."""
        ...

    def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class ArweaveItemSigner:
    """An Arweave wallet as a type-1 signer (RSA-PSS, 4096-bit keys only)."""

    wallet: Wallet
    signature_type: int = SIG_TYPE_ARWEAVE
    signature_length: int = SIG_LENGTH

    @property
    def owner(self) -> bytes:
        """The RSA modulus.

        Raises:
            WalletError: the key is not 4096-bit (ANS-104 type 1 needs 512-byte owners).
        """
        from modelgov.errors import WalletError

        owner = b64url_decode(self.wallet.owner)
        if len(owner) != OWNER_LENGTH:
            raise WalletError(
                f"ANS-104 Arweave signatures need a 4096-bit key; this wallet's is {len(owner) * 8}-bit"
            )
        return owner

    @property
    def label(self) -> str:
        return self.wallet.address

    def sign(self, message: bytes) -> bytes:
        return self.wallet.sign(message)


def item_signer(signer: Wallet | ItemSigner) -> ItemSigner:
    """``signer`` as an :class:`ItemSigner` (an Arweave :class:`Wallet` is wrapped)."""
    return ArweaveItemSigner(signer) if isinstance(signer, Wallet) else signer


def verify_item_signature(signature_type: int, owner: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` by ``owner`` over ``message`` (a deep hash) verifies for its type."""
    if signature_type == SIG_TYPE_ARWEAVE:
        return verify(b64url_encode(owner), message, signature)
    if signature_type == SIG_TYPE_ETHEREUM:
        from modelgov.storage.eth_signer import verify_eth

        return verify_eth(owner, message, signature)
    return False


# --- encoding ---------------------------------------------------------------------------------
def _zigzag_varint(n: int) -> bytes:
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        byte = z & 0x7F
        z >>= 7
        if z:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_tags(tags: Sequence[tuple[str, str]]) -> bytes:
    """Avro ``array<record Tag {string name; string value}>`` as arbundles writes it
    (empty bytes for no tags).

    Raises:
        ValidationError: too many tags, or a name/value empty or too long (ANS-104 limits).
    """
    if not tags:
        return b""
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"a data item may carry at most {MAX_TAGS} tags, not {len(tags)}")
    out = bytearray(_zigzag_varint(len(tags)))
    for name, value in tags:
        n, v = name.encode(), value.encode()
        if not n or not v or len(n) > MAX_TAG_NAME or len(v) > MAX_TAG_VALUE:
            raise ValidationError(f"tag {name[:40]!r}: names 1-1024 bytes, values 1-3072 bytes")
        out += _zigzag_varint(len(n)) + n + _zigzag_varint(len(v)) + v
    out += b"\x00"
    if len(out) > MAX_TAG_BYTES:
        raise ValidationError(f"tags take {len(out)} bytes; ANS-104 allows {MAX_TAG_BYTES}")
    return bytes(out)


def _read_zigzag(buf: bytes, pos: int) -> tuple[int, int]:
    shift = z = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise BundleError("truncated Avro varint in tags")
        b = buf[pos]
        pos += 1
        z |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return (z >> 1) ^ -(z & 1), pos


def decode_tags(buf: bytes) -> list[tuple[str, str]]:
    """Inverse of :func:`encode_tags`.

    Raises:
        BundleError: malformed Avro.
    """
    tags: list[tuple[str, str]] = []
    if not buf:
        return tags
    pos = 0
    while True:
        count, pos = _read_zigzag(buf, pos)
        if count == 0:
            break
        if count < 0:  # a block with its byte size
            count = -count
            _, pos = _read_zigzag(buf, pos)
        for _ in range(count):
            pair = []
            for _ in range(2):
                n, pos = _read_zigzag(buf, pos)
                if n < 0 or pos + n > len(buf):
                    raise BundleError("truncated tag string")
                try:
                    pair.append(buf[pos:pos + n].decode())
                except UnicodeDecodeError:
                    raise BundleError("tag is not UTF-8") from None
                pos += n
            tags.append((pair[0], pair[1]))
    if pos != len(buf):
        raise BundleError("trailing bytes after the tags")
    return tags


def _blob_hash(size: int, digest384: bytes) -> bytes:
    tag = hashlib.sha384(b"blob" + str(size).encode()).digest()
    return hashlib.sha384(tag + digest384).digest()


def _signature_message(signature_type: int, owner: bytes, target: bytes, anchor: bytes, tags: bytes,
                       data_size: int, data_sha384: bytes) -> bytes:
    """deepHash(["dataitem", "1", "<type>", owner, target, anchor, tags, data]) with the data's
    SHA-384 computed by the caller (streamed)."""
    acc = hashlib.sha384(b"list8").digest()
    for part in (b"dataitem", b"1", str(signature_type).encode(), owner, target, anchor, tags):
        acc = hashlib.sha384(acc + _blob_hash(len(part), hashlib.sha384(part).digest())).digest()
    return hashlib.sha384(acc + _blob_hash(data_size, data_sha384)).digest()


@dataclass(frozen=True)
class DataItemHeader:
    """Everything of a data item but its data: ``header + data`` is the item."""

    id: str
    header: bytes
    data_size: int
    tags: tuple[tuple[str, str], ...]

    @property
    def size(self) -> int:
        return len(self.header) + self.data_size


def _header_bytes(signature_type: int, signature: bytes, owner: bytes, anchor: bytes, tags_raw: bytes,
                  tag_count: int) -> bytes:
    return b"".join([
        signature_type.to_bytes(2, "little"), signature, owner, b"\x00",
        (b"\x01" + anchor) if anchor else b"\x00",
        tag_count.to_bytes(8, "little"), len(tags_raw).to_bytes(8, "little"), tags_raw,
    ])


def sign_data_item(
    signer: Wallet | ItemSigner, data: bytes | Path, tags: Sequence[tuple[str, str]], *,
    anchor: bytes | None = None,
) -> DataItemHeader:
    """Sign a data item over ``data`` (bytes, or a file streamed from disk).

    ``signer``: an Arweave :class:`Wallet` (type 1) or any :class:`ItemSigner` (e.g. an
    Ethereum key, type 3). ``anchor`` defaults to 32 random bytes (so two uploads of the same
    file differ in id).

    Raises:
        ValidationError: bad tags or anchor. PathError: unreadable file. WalletError: an Arweave
            key that is not 4096-bit, or a signature of the wrong length.
    """
    from modelgov.errors import WalletError

    signer = item_signer(signer)
    sig_type = signer.signature_type
    owner = signer.owner
    if SIG_CONFIG.get(sig_type, (0, -1))[1] != len(owner):
        raise WalletError(f"signature type {sig_type}: owner of {len(owner)} bytes is not supported")
    anchor = os.urandom(32) if anchor is None else anchor
    if len(anchor) not in (0, 32):
        raise ValidationError("a data item anchor is 32 bytes")
    tags = [(str(n), str(v)) for n, v in tags]
    tags_raw = encode_tags(tags)
    if isinstance(data, Path):
        digest, size = _sha384_file(data)
    else:
        digest, size = hashlib.sha384(data).digest(), len(data)
    message = _signature_message(sig_type, owner, b"", anchor, tags_raw, size, digest)
    signature = signer.sign(message)
    if len(signature) != SIG_CONFIG[sig_type][0]:
        raise WalletError(f"signature is {len(signature)} bytes, expected {SIG_CONFIG[sig_type][0]}")
    header = _header_bytes(sig_type, signature, owner, anchor, tags_raw, len(tags))
    return DataItemHeader(b64url_encode(hashlib.sha256(signature).digest()), header, size, tuple(tags))


def _sha384_file(path: Path) -> tuple[bytes, int]:
    h = hashlib.sha384()
    size = 0
    try:
        with open(path, "rb") as f:
            while chunk := f.read(READ_SIZE):
                h.update(chunk)
                size += len(chunk)
    except OSError as exc:
        raise PathError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return h.digest(), size


# --- parsing and verifying (our own reader; arbundles is the independent check in tests) -------
@dataclass(frozen=True)
class ParsedItem:
    """A data item read back from a bundle."""

    id: str
    owner: str
    signature: bytes
    target: bytes
    anchor: bytes
    tags: tuple[tuple[str, str], ...]
    data_offset: int
    data_size: int
    signature_type: int = SIG_TYPE_ARWEAVE

    def tag(self, name: str) -> str | None:
        return next((v for n, v in self.tags if n == name), None)

    @property
    def signer_address(self) -> str:
        """The signer's address: Arweave (base64url sha256 of the modulus) or Ethereum (0x…)."""
        owner = b64url_decode(self.owner)
        if self.signature_type == SIG_TYPE_ETHEREUM:
            from modelgov.storage.eth_signer import address_of

            return address_of(owner)
        return b64url_encode(hashlib.sha256(owner).digest())


def _read_exact(f: BinaryIO, n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise BundleError(f"bundle truncated in {what}")
    return data


def read_bundle(path: str | os.PathLike[str], *, verify_items: bool = True) -> list[ParsedItem]:
    """Parse (and by default verify) every data item of a bundle file, streaming.

    Checks: the header's id equals sha256(signature) of each item, the signature (type 1,
    Arweave, or type 3, Ethereum) verifies over the item's deep hash, and tags decode.

    Raises:
        PathError: unreadable file. BundleError: malformed bundle, or an item's id or signature
            does not verify (``item_id`` names it).
    """
    p = Path(path)
    items: list[ParsedItem] = []
    try:
        f = open(p, "rb")  # noqa: SIM115
    except OSError as exc:
        raise PathError(f"{p}: cannot read: {exc.strerror or exc}") from None
    with f:
        count = int.from_bytes(_read_exact(f, 32, "the item count"), "little")
        total = os.fstat(f.fileno()).st_size
        if count * 64 + 32 > total:
            raise BundleError(f"bundle claims {count} items but is only {total} bytes")
        entries = []
        for _ in range(count):
            raw = _read_exact(f, 64, "the item table")
            entries.append((int.from_bytes(raw[:32], "little"), b64url_encode(raw[32:])))
        offset = 32 + 64 * count
        for size, item_id in entries:
            f.seek(offset)
            items.append(_parse_item(f, offset, size, item_id, verify_items))
            offset += size
        if offset != total:
            raise BundleError(f"bundle has {total - offset} bytes after its last item")
    return items


def _parse_item(f: BinaryIO, offset: int, size: int, item_id: str, check: bool) -> ParsedItem:
    sig_type = int.from_bytes(_read_exact(f, 2, "a signature type"), "little")
    if sig_type not in SIG_CONFIG:
        raise BundleError(f"data item {item_id}: signature type {sig_type} is not supported "
                          "(1 = Arweave, 3 = Ethereum)", item_id=item_id)
    sig_length, owner_length = SIG_CONFIG[sig_type]
    signature = _read_exact(f, sig_length, "a signature")
    owner = _read_exact(f, owner_length, "an owner")
    target = _read_exact(f, 32, "a target") if _read_exact(f, 1, "a target flag") == b"\x01" else b""
    anchor = _read_exact(f, 32, "an anchor") if _read_exact(f, 1, "an anchor flag") == b"\x01" else b""
    tag_count = int.from_bytes(_read_exact(f, 8, "a tag count"), "little")
    tag_bytes = int.from_bytes(_read_exact(f, 8, "a tag size"), "little")
    if tag_bytes > MAX_TAG_BYTES or tag_count > MAX_TAGS:
        raise BundleError(f"data item {item_id}: too many tag bytes", item_id=item_id)
    tags_raw = _read_exact(f, tag_bytes, "tags")
    tags = decode_tags(tags_raw)
    if len(tags) != tag_count:
        raise BundleError(f"data item {item_id}: tag count {tag_count} but {len(tags)} tags", item_id=item_id)
    head = 2 + sig_length + owner_length + 2 + len(target) + len(anchor) + 16 + tag_bytes
    data_size = size - head
    if data_size < 0:
        raise BundleError(f"data item {item_id}: size smaller than its header", item_id=item_id)
    if check:
        if b64url_encode(hashlib.sha256(signature).digest()) != item_id:
            raise BundleError(f"data item {item_id}: id is not sha256(signature)", item_id=item_id)
        h = hashlib.sha384()
        left = data_size
        while left:
            chunk = f.read(min(READ_SIZE, left))
            if not chunk:
                raise BundleError(f"data item {item_id}: data truncated", item_id=item_id)
            h.update(chunk)
            left -= len(chunk)
        message = _signature_message(sig_type, owner, target, anchor, tags_raw, data_size, h.digest())
        if not verify_item_signature(sig_type, owner, message, signature):
            raise BundleError(f"data item {item_id}: signature does not verify", item_id=item_id)
    return ParsedItem(item_id, b64url_encode(owner), signature, target, anchor, tuple(tags),
                      offset + head, data_size, sig_type)


# --- folder -> bundle -------------------------------------------------------------------------
def path_manifest(paths: dict[str, str], index: str | None = None) -> bytes:
    """An ``arweave/paths`` 0.1.0 manifest: path → data item id (canonical key order)."""
    doc: dict[str, Any] = {"manifest": "arweave/paths", "version": "0.1.0",
                           "paths": {p: {"id": i} for p, i in sorted(paths.items())}}
    if index is not None:
        doc["index"] = {"path": index}
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def content_type_of(path: str) -> str:
    """Content-Type tag of a model file (``.safetensors`` and unknown kinds: octet-stream)."""
    if path.endswith((".json", ".md", ".txt", ".yaml", ".yml")):
        return {".json": "application/json", ".md": "text/markdown", ".txt": "text/plain"}.get(
            Path(path).suffix, "application/yaml")
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


@dataclass
class BundlePlan:
    """A bundle file ready to upload, and what it holds."""

    bundle_path: Path
    record_path: Path
    manifest_id: str
    items: dict[str, str]  # file path -> data item id
    ipfs_cid: str
    manifest_digest: str
    bundle_size: int
    reused: bool = False
    signer: str = ""  # the items' signer (Arweave or Ethereum address)
    signature_type: str = "arweave"  # arweave (type 1) | ethereum (type 3)

    def as_dict(self) -> dict[str, Any]:
        return {"bundle_file": str(self.bundle_path), "manifest_id": self.manifest_id, "items": self.items,
                "ipfs_cid": self.ipfs_cid, "manifest_digest": self.manifest_digest,
                "bundle_size": self.bundle_size, "reused": self.reused, "signer": self.signer,
                "signature_type": self.signature_type}


def build_bundle(
    folder: str | os.PathLike[str],
    signer: Wallet | ItemSigner,
    *,
    model: str | None = None,
    version: str | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> BundlePlan:
    """Sign every file of ``folder`` (the files of its modelgov manifest) and a path manifest,
    and write the bundle file. Reuses an earlier bundle of the same content and signer.

    ``signer``: an Arweave :class:`Wallet` (type-1 items) or an :class:`ItemSigner` such as
    :class:`modelgov.storage.eth_signer.EthereumItemSigner` (type-3 items).

    Each file's item carries ``Content-Type``, ``File-Path``, ``File-SHA256``, ``App-Name`` and
    the folder's ``IPFS-CID`` / ``Manifest-Digest``; the path manifest item carries the same
    folder tags, so whoever fetches it can check the folder against both.

    Raises:
        PathError: ``folder`` is not a readable folder. ManifestError: a bad safetensors file.
        ValidationError: tags too long. WalletError: an Arweave wallet that is not a 4096-bit
            RSA key.
    """
    from modelgov import manifest as mf
    from modelgov.storage.arweave import APP_NAME

    base = Path(folder)
    if not base.is_dir():
        raise PathError(f"{base} is not a folder (--bundle packs a model folder)")
    built = mf.build(base)
    digest = mf.digest(built)
    cid = built["root"]["cid"]
    signer = item_signer(signer)
    kind = SIGNER_NAMES.get(signer.signature_type, str(signer.signature_type))
    key = hashlib.sha256(f"{digest}:{signer.label}".encode()).hexdigest()[:24]
    work = Path(out_dir) if out_dir is not None else state_dir() / "arweave-bundles" / key
    work.mkdir(parents=True, exist_ok=True)
    bundle_path, record_path = work / "bundle.bin", work / "record.json"
    record = _load_json(record_path)
    same_signer = record.get("signer", record.get("wallet")) == signer.label
    if record.get("manifest_digest") == digest and same_signer and bundle_path.is_file() \
            and bundle_path.stat().st_size == record.get("bundle_size"):
        if on_bytes:
            on_bytes(built["total_size"])
        return BundlePlan(bundle_path, record_path, record["manifest_id"], record["items"], cid, digest,
                          record["bundle_size"], reused=True, signer=signer.label, signature_type=kind)

    common = [("App-Name", APP_NAME), ("IPFS-CID", cid), ("Manifest-Digest", digest)]
    if model:
        common.append(("Model", model))
    if version:
        common.append(("Version", version))
    headers: list[tuple[str, DataItemHeader]] = []
    for entry in built["files"]:
        rel = entry["path"] if built["root"]["kind"] == "directory" else base.name
        tags = [("Content-Type", content_type_of(rel)), ("File-Path", rel),
                ("File-SHA256", entry["sha256"]), *common]
        headers.append((rel, sign_data_item(signer, base / rel, tags)))
        if on_bytes:
            on_bytes(entry["size"])
    items = {rel: h.id for rel, h in headers}
    index = "README.md" if "README.md" in items else (sorted(items)[0] if items else None)
    manifest_bytes = path_manifest(items, index)
    manifest_item = sign_data_item(signer, manifest_bytes, [("Content-Type", MANIFEST_CONTENT_TYPE), *common])

    all_items: list[tuple[DataItemHeader, Path | bytes]] = [(h, base / rel) for rel, h in headers]
    all_items.append((manifest_item, manifest_bytes))
    tmp = bundle_path.with_name("bundle.bin.partial")
    try:
        with open(tmp, "wb") as out:
            out.write(len(all_items).to_bytes(32, "little"))
            for h, _ in all_items:
                out.write(h.size.to_bytes(32, "little") + b64url_decode(h.id))
            for h, source in all_items:
                out.write(h.header)
                _copy_data(source, out, h.data_size)
        os.replace(tmp, bundle_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PathError(f"cannot write the bundle in {work}: {exc.strerror or exc}") from None
    size = bundle_path.stat().st_size
    record = {"manifest_digest": digest, "ipfs_cid": cid, "manifest_id": manifest_item.id, "items": items,
              "bundle_size": size, "signer": signer.label, "signature_type": kind}
    _save_json(record_path, record)
    return BundlePlan(bundle_path, record_path, manifest_item.id, items, cid, digest, size,
                      signer=signer.label, signature_type=kind)


def _copy_data(source: Path | bytes, out: BinaryIO, expected: int) -> None:
    if isinstance(source, bytes):
        out.write(source)
        return
    n = 0
    with open(source, "rb") as f:
        while chunk := f.read(READ_SIZE):
            out.write(chunk)
            n += len(chunk)
    if n != expected:
        raise BundleError(f"{source} changed while bundling ({n} bytes, signed {expected}); re-run")


def _load_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _save_json(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True))
    os.replace(tmp, path)


@dataclass
class BundleUpload:
    """Outcome of :func:`upload_bundle`: the bundle transaction and the ids inside it."""

    bundle_txid: str
    manifest_id: str
    items: dict[str, str]
    ipfs_cid: str
    manifest_digest: str
    bundle_size: int
    confirmed: bool
    gateway: str
    record: str
    chunks_sent: int = 0
    already_done: bool = False
    signer: str = ""
    signature_type: str = "arweave"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "extra"}


def upload_bundle(
    folder: str | os.PathLike[str],
    wallet: Wallet,
    gateway: Gateway,
    *,
    signer: ItemSigner | None = None,
    model: str | None = None,
    version: str | None = None,
    mint: bool | None = None,
    wait: bool = True,
    confirm_timeout: float | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> BundleUpload:
    """Bundle ``folder`` (see :func:`build_bundle`) and post it as one transaction, resumable.

    ``wallet`` (Arweave) signs and pays for the bundle transaction; ``signer`` signs the data
    items (default: the same wallet), e.g. a DAO member's Ethereum key.

    The bundle transaction id, the manifest id and every item id are written to the record
    (``record.json`` next to the bundle file) as soon as they are known.

    Raises:
        PathError, ManifestError, ValidationError, WalletError: see :func:`build_bundle`.
        NodeUnreachableError, ArweaveError, StorageError: see
            :func:`modelgov.storage.arweave.upload_file`.
    """
    from modelgov.storage.arweave import model_tags, upload_file

    plan = build_bundle(folder, signer if signer is not None else wallet, model=model, version=version)
    tags = model_tags("application/octet-stream", model, version, plan.ipfs_cid, plan.manifest_digest,
                      extra=[*BUNDLE_TAGS, ("Bundle-Manifest", plan.manifest_id)])
    if wait and gateway.loopback:
        # arlocal unbundles a chunked bundle twice (in the background after the last chunk, and
        # when mining) and the second insert fails: let the first finish before mining.
        first = upload_file(plan.bundle_path, wallet, gateway, tags, mint=mint, wait=False, progress=on_bytes)
        sent_before = first.chunks_sent
        _wait_item_visible(gateway, plan.manifest_id, 15.0)
        on_bytes = None
    else:
        sent_before = 0
    result = upload_file(plan.bundle_path, wallet, gateway, tags, mint=mint, wait=wait,
                         confirm_timeout=confirm_timeout, progress=on_bytes)
    record = _load_json(plan.record_path)
    uploads = record.setdefault("uploads", {})
    uploads[result.gateway] = {"bundle_txid": result.txid, "confirmed": result.confirmed}
    _save_json(plan.record_path, record)
    return BundleUpload(result.txid, plan.manifest_id, plan.items, plan.ipfs_cid, plan.manifest_digest,
                        plan.bundle_size, result.confirmed, result.gateway, str(plan.record_path),
                        sent_before + result.chunks_sent, result.already_done and not sent_before,
                        plan.signer, plan.signature_type)


def _wait_item_visible(gateway: Any, item_id: str, timeout: float) -> bool:
    """Poll ``GET /<item_id>`` until the gateway knows the data item (True) or ``timeout``."""
    import time

    from modelgov.storage.arweave import ArweaveClient

    deadline = time.monotonic() + timeout
    with ArweaveClient(gateway) as client:
        while time.monotonic() < deadline:
            if client.request("GET", f"/{item_id}", retry=False).status_code != 404:
                return True
            time.sleep(0.1)
    return False


@dataclass
class BundleFetch:
    """Outcome of :func:`fetch_bundle`."""

    bundle_txid: str
    manifest_id: str
    path: str
    files: dict[str, str]  # path -> item id
    ipfs_cid: str
    manifest_digest: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def fetch_bundle(bundle_txid: str, out: str | os.PathLike[str], gateway: Gateway) -> BundleFetch:
    """Download a bundle transaction, verify it and every data item, and rebuild the folder.

    The transaction is checked against its signed data_root (:func:`modelgov.storage.arweave.fetch`),
    each item's id and signature by :func:`read_bundle`; files are written from the path
    manifest item; the folder's IPFS CID and manifest digest must equal the manifest item's
    ``IPFS-CID`` and ``Manifest-Digest`` tags. ``out`` appears only if everything matches.

    Raises:
        PathError: ``out`` exists. BundleError: no path manifest, an unsafe or unknown path, a
            bad item. IntegrityError: the rebuilt folder's CID or digest differs, or the download
            does not match its data_root. ArweaveError, NodeUnreachableError: gateway errors.
    """
    import shutil
    import tempfile

    from modelgov import manifest as mf
    from modelgov.errors import IntegrityError
    from modelgov.storage.arweave import fetch

    target = Path(out)
    if target.exists():
        raise PathError(f"{target} exists already; choose a new folder")
    parent = target.parent if str(target.parent) else Path(".")
    with tempfile.TemporaryDirectory(prefix=".modelgov-bundle-", dir=parent) as tmp_dir:
        tmp = Path(tmp_dir)
        bundle_file = tmp / "bundle.bin"
        fetch(bundle_txid, bundle_file, gateway)
        items = {i.id: i for i in read_bundle(bundle_file)}
        manifests = [i for i in items.values() if i.tag("Content-Type") == MANIFEST_CONTENT_TYPE]
        if len(manifests) != 1:
            raise BundleError(f"bundle {bundle_txid} holds {len(manifests)} path manifests, expected 1")
        man = manifests[0]
        try:
            doc = json.loads(b"".join(iter_file_chunks(bundle_file, man.data_offset, man.data_size)))
            paths = {str(p): str(v["id"]) for p, v in doc["paths"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise BundleError(
                f"path manifest {man.id} is not an arweave/paths manifest", item_id=man.id
            ) from None
        folder = tmp / "folder"
        folder.mkdir()
        for rel, item_id in sorted(paths.items()):
            parts = rel.split("/")
            if not rel or rel.startswith("/") or any(x in ("", ".", "..") for x in parts) or "\\" in rel:
                raise BundleError(f"path manifest names an unsafe path {rel[:80]!r}", item_id=man.id)
            item = items.get(item_id)
            if item is None:
                raise BundleError(
                    f"path {rel!r} points to {item_id}, which is not in the bundle", item_id=item_id
                )
            dest = folder.joinpath(*parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "wb") as f:
                for chunk in iter_file_chunks(bundle_file, item.data_offset, item.data_size):
                    f.write(chunk)
        built = mf.build(folder)
        cid, digest = built["root"]["cid"], mf.digest(built)
        if (cid, digest) != (man.tag("IPFS-CID"), man.tag("Manifest-Digest")):
            raise IntegrityError(
                f"folder rebuilt from bundle {bundle_txid} has CID {cid} and manifest digest {digest}, "
                f"but the bundle says {man.tag('IPFS-CID')} and {man.tag('Manifest-Digest')}"
            )
        shutil.move(str(folder), target)
    return BundleFetch(bundle_txid, man.id, str(target), paths, cid, digest)


def iter_file_chunks(path: Path, start: int, size: int) -> Iterator[bytes]:
    """Bytes ``[start, start + size)`` of ``path`` in pieces (for reading an item's data)."""
    with open(path, "rb") as f:
        f.seek(start)
        left = size
        while left:
            chunk = f.read(min(READ_SIZE, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


__all__ = [
    "ArweaveItemSigner",
    "BundlePlan",
    "BundleUpload",
    "DataItemHeader",
    "ItemSigner",
    "ParsedItem",
    "build_bundle",
    "decode_tags",
    "encode_tags",
    "fetch_bundle",
    "item_signer",
    "path_manifest",
    "read_bundle",
    "sign_data_item",
    "upload_bundle",
    "verify_item_signature",
]
