"""ANS-104 data items signed with an Ethereum key (signature type 3): checked by npm arbundles (an
independent implementation: Bundle.verify, DataItem.verify and isValid of every item, and the
same bytes as arbundles' own EthereumSigner), by our reader, and end to end through arlocal."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_account import Account

from modelgov.errors import WalletError
from modelgov.storage import bundles
from modelgov.storage.arweave_merkle import b64url_decode
from modelgov.storage.eth_signer import EthereumItemSigner, address_of, load_eth_signer, verify_eth
from test_arweave_upload import TEST_WALLET, arlocal, env, gw, run_cli, wallet  # noqa: F401
from test_bundles import arbundles_check, assert_tampered_item_refused, model_folder

ROOT = Path(__file__).resolve().parents[2]
# anvil's well-known test account #0 (public test key)
KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"

# arbundles' own EthereumSigner signs the same item: argv = key, data (base64), tags (JSON), anchor
ARBUNDLES_SIGN = """
const { createData, signers } = require("arbundles");
(async () => {
  const [key, data, tags, anchor] = process.argv.slice(1);
  const signer = new signers.EthereumSigner(key);
  const item = createData(Buffer.from(data, "base64"), signer, { tags: JSON.parse(tags), anchor });
  await item.sign(signer);
  process.stdout.write(JSON.stringify({ id: item.id, raw: Buffer.from(item.getRaw()).toString("base64") }));
})().catch((e) => { console.error(String((e && e.stack) || e)); process.exit(1); });
"""


@pytest.fixture(scope="module")
def eth() -> EthereumItemSigner:
    return EthereumItemSigner.from_key(bytes.fromhex(KEY))


@pytest.fixture()
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "member.key"
    path.write_text("0x" + KEY + "\n")
    path.chmod(0o600)
    return path


def test_every_eth_item_verifies_with_arbundles(tmp_path: Path, eth: EthereumItemSigner, wallet) -> None:  # noqa: F811
    folder = model_folder(tmp_path)
    plan = bundles.build_bundle(folder, eth, model="tiny", version="1", out_dir=tmp_path / "b")
    assert plan.signer == ADDRESS and plan.signature_type == "ethereum"
    doc = arbundles_check(plan.bundle_path)
    assert doc["verified"] and doc["count"] == 6
    for item in doc["items"]:
        assert item["signatureType"] == 3 and item["valid"] and item["isValid"]
        assert item["id"] == item["itemId"] == item["idFromSignature"]
        assert address_of(b64url_decode(item["owner"])) == ADDRESS
    assert {i["id"] for i in doc["items"]} == set(plan.items.values()) | {plan.manifest_id}

    ours = bundles.read_bundle(plan.bundle_path)
    assert [i.id for i in ours] == [i["id"] for i in doc["items"]]
    assert {(i.signature_type, i.signer_address) for i in ours} == {(3, ADDRESS)}
    record = json.loads(plan.record_path.read_text())
    assert record["signer"] == ADDRESS and record["signature_type"] == "ethereum"
    # the same folder and key again: reused; signed by the Arweave wallet instead: signed anew
    assert bundles.build_bundle(folder, eth, out_dir=tmp_path / "b").reused
    by_wallet = bundles.build_bundle(folder, wallet, out_dir=tmp_path / "b")
    assert not by_wallet.reused and by_wallet.signature_type == "arweave" and by_wallet.signer == wallet.address
    assert {i.signature_type for i in bundles.read_bundle(by_wallet.bundle_path)} == {1}


def test_same_bytes_as_arbundles_ethereum_signer(eth: EthereumItemSigner) -> None:
    node = shutil.which("node")
    assert node is not None
    data = bytes(range(256)) * 5
    tags = [("Content-Type", "application/octet-stream"), ("File-Path", "weights é.bin")]
    anchor = b"modelgov-anchor-0123456789abcdef"
    proc = subprocess.run(
        [node, "-e", ARBUNDLES_SIGN, KEY, base64.b64encode(data).decode(),
         json.dumps([{"name": n, "value": v} for n, v in tags]), anchor.decode()],
        capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    ref = json.loads(proc.stdout)
    ours = bundles.sign_data_item(eth, data, tags, anchor=anchor)
    # deterministic ECDSA (RFC 6979) on both sides: byte-identical items, the same id
    assert ours.header + data == base64.b64decode(ref["raw"])
    assert ours.id == ref["id"]


def test_tampered_or_foreign_eth_items_are_refused(tmp_path: Path, eth: EthereumItemSigner) -> None:
    assert_tampered_item_refused(tmp_path, eth, 7)

    # another key's owner over the same signature: the recovered address differs
    other = EthereumItemSigner.from_key(bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"))
    message = b"\x01" * 48
    signature = eth.sign(message)
    assert verify_eth(eth.owner, message, signature)
    assert not verify_eth(other.owner, message, signature)
    assert not verify_eth(eth.owner, b"\x02" * 48, signature)
    assert not verify_eth(eth.owner, message, signature[:64] + bytes((signature[64] ^ 1,)))


def test_key_files(tmp_path: Path, key_file: Path) -> None:
    assert load_eth_signer(key_file).address == ADDRESS
    bare = tmp_path / "bare.key"
    bare.write_text(KEY)
    assert load_eth_signer(bare).address == ADDRESS
    keystore = tmp_path / "member.json"
    keystore.write_text(json.dumps(Account.encrypt(bytes.fromhex(KEY), "pw", kdf="pbkdf2", iterations=2)))
    password = tmp_path / "pw.txt"
    password.write_text("pw\n")
    assert load_eth_signer(keystore, password).address == ADDRESS
    with pytest.raises(WalletError, match="give --password-file"):
        load_eth_signer(keystore)
    password.write_text("wrong\n")
    with pytest.raises(WalletError, match="cannot decrypt"):
        load_eth_signer(keystore, password)
    bare.write_text("not a key")
    with pytest.raises(WalletError, match="neither a hex private key") as err:
        load_eth_signer(bare)
    bare.write_text("00" * 32)  # zero is not a secp256k1 private key
    with pytest.raises(WalletError, match="not a secp256k1 private key"):
        load_eth_signer(bare)
    with pytest.raises(WalletError, match="cannot read key file"):
        load_eth_signer(tmp_path / "missing.key")
    assert KEY not in repr(load_eth_signer(key_file)) and KEY not in str(err.value)


def test_pin_bundle_signed_by_eth_key_and_rebuild(env, gw, tmp_path: Path, key_file: Path, capsys) -> None:  # noqa: F811
    folder = model_folder(tmp_path)
    code, out, err = run_cli(capsys, "pin", "arweave", str(folder), "--wallet", str(TEST_WALLET), "--bundle",
                             "--signer", "eth", "--key-file", str(key_file), "--model", "tiny", "--json")
    assert code == 0, err
    up = json.loads(out)
    assert up["confirmed"] and up["signer"] == ADDRESS and up["signature_type"] == "ethereum"
    assert KEY not in out + err

    out_dir = tmp_path / "back"
    code, out, err = run_cli(capsys, "arweave", "fetch-bundle", up["bundle_txid"], "-o", str(out_dir), "--json")
    assert code == 0, err
    back = json.loads(out)
    assert (back["ipfs_cid"], back["manifest_digest"]) == (up["ipfs_cid"], up["manifest_digest"])
    for rel in up["items"]:
        assert (out_dir / rel).read_bytes() == (folder / rel).read_bytes()

    # usage errors, one line each
    code, _, err = run_cli(capsys, "pin", "arweave", str(folder), "--wallet", str(TEST_WALLET), "--bundle",
                           "--signer", "eth")
    assert code == 2 and "--key-file" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(capsys, "pin", "arweave", str(folder), "--wallet", str(TEST_WALLET), "--bundle",
                           "--key-file", str(key_file))
    assert code == 2 and "--signer eth" in err and len(err.strip().splitlines()) == 1
