"""Gasless voting and delegation (issue 15 item 3): sign offline, a relayer pays the gas."""

from __future__ import annotations

import json

from eth_account import Account

from governance_helpers import advance_to_voting, make_proposal, propose


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, run_cli):
    assert run_cli("proposal", "list").exit_code == 0


def _key_file(tmp_path, name: str = "voter.key"):
    acct = Account.create()
    path = tmp_path / name
    path.write_text(acct.key.hex())
    return acct, path


def _proposal(governor, token, deployer, proposer, title: str) -> int:
    return propose(governor, make_proposal([(token, "transfer", (deployer.address, 0))],
                                           f"# {title}"), proposer)


def test_a_voter_with_no_eth_delegates_and_votes_through_a_relayer(
        run_cli, tmp_path, chain, governor, token, deployer, voters, accounts):
    voter, key = _key_file(tmp_path)
    token.transfer(voter.address, 5_000, sender=deployer)
    assert chain.provider.get_balance(voter.address) == 0

    out = tmp_path / "delegation.json"
    signed = run_cli("delegate", "--sign", "--key-file", key, "-o", out)
    assert signed.exit_code == 0, signed.stderr
    doc = json.loads(out.read_text())
    assert doc["type"] == "modelgov/delegation-signature@1" and doc["delegatee"] == voter.address
    relayed = run_cli("relay", out, "--account", "TEST::7")
    assert relayed.exit_code == 0, relayed.stderr
    assert relayed.stdout.count("\n") == 1 and "delegation of" in relayed.stdout
    chain.mine(deltatime=1)
    assert token.delegates(voter.address) == voter.address
    assert token.getVotes(voter.address) == 5_000

    pid = _proposal(governor, token, deployer, voters[0], "Gasless vote")
    vote_file = tmp_path / "vote.json"
    signed = run_cli("vote", pid, "for", "--sign", "--key-file", key, "-o", vote_file)
    assert signed.exit_code == 0, signed.stderr
    ballot = json.loads(vote_file.read_text())
    assert ballot["type"] == "modelgov/vote-signature@1"
    assert int(ballot["nonce"]) == pid << 64  # keyed by the proposal id
    advance_to_voting(chain, governor, pid)
    relayer_before = accounts[7].balance
    relayed = run_cli("relay", vote_file, "--account", "TEST::7", "--json")
    assert relayed.exit_code == 0, relayed.stderr
    [row] = json.loads(relayed.stdout)
    assert row["kind"] == "vote" and row["gas"] > 0
    assert governor.hasVoted(pid, voter.address)
    assert governor.proposalVotes(pid)[1] == 5_000  # the vote counts
    assert chain.provider.get_balance(voter.address) == 0  # the voter paid nothing
    assert accounts[7].balance < relayer_before  # the relayer did


def test_a_replayed_file_is_refused_in_one_line(run_cli, tmp_path, chain, governor, token,
                                                deployer, voters):
    pid = _proposal(governor, token, deployer, voters[0], "Replay")
    advance_to_voting(chain, governor, pid)
    vote_file = tmp_path / "vote.json"
    assert run_cli("vote", pid, "for", "--sign", "--account", "TEST::2", "-o", vote_file).exit_code == 0
    assert run_cli("relay", vote_file, "--account", "TEST::7").exit_code == 0
    again = run_cli("relay", vote_file, "--account", "TEST::7")
    assert again.exit_code != 0
    assert again.stderr.count("\n") == 1
    assert "vote.json: replayed" in again.stderr and "already voted" in again.stderr

    # a delegation: its token nonce is used up once relayed
    d = tmp_path / "delegation.json"
    assert run_cli("delegate", voters[0].address, "--sign", "--account", "TEST::3", "-o", d).exit_code == 0
    assert run_cli("relay", d, "--account", "TEST::7").exit_code == 0
    again = run_cli("relay", d, "--account", "TEST::7")
    assert again.exit_code != 0 and again.stderr.count("\n") == 1
    assert "delegation.json: replayed: nonce 0 of" in again.stderr


def test_two_ballots_for_two_proposals_relay_in_either_order(run_cli, tmp_path, chain, governor,
                                                             token, deployer, voters):
    first = _proposal(governor, token, deployer, voters[0], "Order one")
    second = _proposal(governor, token, deployer, voters[0], "Order two")
    files = []
    for pid in (first, second):  # both signed before either is relayed
        path = tmp_path / f"vote-{pid}.json"
        r = run_cli("vote", pid, "for", "--sign", "--offline", "--account", "TEST::2", "-o", path)
        assert r.exit_code == 0, r.stderr
        files.append(path)
    advance_to_voting(chain, governor, second)
    for order in (files, files[::-1]):
        snap = chain.snapshot()
        try:
            r = run_cli("relay", *order, "--account", "TEST::7")
            assert r.exit_code == 0, r.stderr
            assert len(r.stdout.strip().splitlines()) == 2
            assert governor.hasVoted(first, voters[1]) and governor.hasVoted(second, voters[1])
        finally:
            chain.restore(snap)


def test_relay_refuses_files_for_another_chain_or_altered(run_cli, tmp_path, chain, governor,
                                                         token, deployer, voters):
    pid = _proposal(governor, token, deployer, voters[0], "Altered")
    advance_to_voting(chain, governor, pid)
    path = tmp_path / "vote.json"
    assert run_cli("vote", pid, "for", "--sign", "--account", "TEST::2", "-o", path).exit_code == 0
    doc = json.loads(path.read_text())
    other = tmp_path / "other-chain.json"
    other.write_text(json.dumps({**doc, "chain_id": doc["chain_id"] + 1}))
    r = run_cli("relay", other, "--account", "TEST::7")
    assert r.exit_code != 0 and "signed for chain" in r.stderr
    d = tmp_path / "d.json"
    assert run_cli("delegate", "--sign", "--account", "TEST::3", "-o", d).exit_code == 0
    ddoc = json.loads(d.read_text())
    d.write_text(json.dumps({**ddoc, "delegatee": voters[0].address}))
    r = run_cli("relay", d, "--account", "TEST::7")
    assert r.exit_code != 0 and "the file was altered" in r.stderr
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    r = run_cli("relay", junk)
    assert r.exit_code != 0 and "not a vote or delegation signature file" in r.stderr
