"""Proposals as code through the CLI: build, simulate, submit, vote, queue, execute, status."""

from __future__ import annotations

import json
import textwrap

import pytest

from governance_helpers import advance_past_deadline, advance_to_voting


def test_fixtures_ready(suite, deployer, voters, stranger, token, governor, timelock, run_cli):
    assert run_cli("proposal", "list").exit_code == 0


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def pay_proposal(tmp_path, to: str, amount: int, title: str = "Pay a contributor"):
    return write(tmp_path, "0001-pay.yaml", f"""
        title: {title}
        body: |
          The DAO pays **{amount}** units for work done.
        actions:
          - type: call
            contract: token
            function: transfer
            args: ["{to}", "{amount}"]
        """)


def test_build_id_matches_governor(run_cli, tmp_path, governor, stranger):
    path = pay_proposal(tmp_path, stranger.address, 5)
    result = run_cli("proposal", "build", path, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["description"].startswith("# Pay a contributor\n")
    args = (data["targets"], [int(v) for v in data["values"]],
            [bytes.fromhex(c[2:]) for c in data["calldatas"]],
            bytes.fromhex(data["description_hash"][2:]))
    assert int(data["proposal_id"]) == governor.hashProposal(*args)


def test_full_lifecycle_through_cli(run_cli, tmp_path, chain, governor, token, timelock,
                                    deployer, voters, stranger):
    token.transfer(timelock, 100, sender=deployer)
    path = pay_proposal(tmp_path, stranger.address, 40)
    before = token.balanceOf(stranger)

    sub = run_cli("proposal", "submit", path, "--account", "TEST::1", "--json")
    assert sub.exit_code == 0, sub.stderr
    pid = int(json.loads(sub.stdout)["proposal_id"])
    assert json.loads(sub.stdout)["state"] == "Pending"

    early = run_cli("vote", pid, "for", "--account", "TEST::1")
    assert early.exit_code != 0 and "voting is not open" in early.stderr

    advance_to_voting(chain, governor, pid)
    for i in (1, 2):
        r = run_cli("vote", pid, "for", "--account", f"TEST::{i}", "--reason", "ship it")
        assert r.exit_code == 0, r.stderr
    again = run_cli("vote", pid, "against", "--account", "TEST::1")
    assert again.exit_code != 0 and "already voted" in again.stderr

    not_yet = run_cli("proposal", "queue", pid)
    assert not_yet.exit_code != 0 and "not queueable" in not_yet.stderr
    advance_past_deadline(chain, governor, pid)
    assert run_cli("proposal", "queue", pid).exit_code == 0

    early_exec = run_cli("proposal", "execute", pid)
    assert early_exec.exit_code != 0 and "eta not reached" in early_exec.stderr
    chain.pending_timestamp = governor.proposalEta(pid) + 1
    done = run_cli("proposal", "execute", pid, "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "Executed"
    assert token.balanceOf(stranger) == before + 40

    st = json.loads(run_cli("proposal", "status", pid, "--json").stdout)
    assert st["state"] == "Executed" and int(st["votes_for"]) == sum(
        token.getVotes(v) for v in voters[:2])
    listed = json.loads(run_cli("proposal", "list", "--json").stdout)
    assert [p["proposal_id"] for p in listed] == [str(pid)]


def test_simulation_succeeds_and_leaves_no_trace(run_cli, tmp_path, token, timelock, deployer,
                                                 stranger, chain):
    token.transfer(timelock, 10, sender=deployer)
    path = pay_proposal(tmp_path, stranger.address, 10)
    head = chain.blocks.head.number
    result = run_cli("proposal", "simulate", path, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["final_state"] == "Executed"
    assert set(report["gas"]) >= {"propose", "queue", "execute", "castVote[0]"}
    assert chain.blocks.head.number == head  # snapshot reverted
    assert token.balanceOf(stranger) == 0


def test_simulation_catches_a_reverting_proposal(run_cli, tmp_path, token, timelock, stranger):
    path = pay_proposal(tmp_path, stranger.address, 10**30)  # the timelock holds far less
    result = run_cli("proposal", "simulate", path)
    assert result.exit_code != 0
    assert "simulation failed at execute" in result.stderr
    assert "ERC20InsufficientBalance" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ("title: x\nactions: [{type: call, contract: token, function: nope, args: []}]",
         "actions[0].function: GovernanceToken has no state-changing function 'nope'"),
        ("title: x\nactions: [{type: call, contract: token, function: transfer, args: [1]}]",
         "actions[0].args: transfer takes 2 argument(s), got 1"),
        ("title: x\nactions: [{type: call, contract: token, function: transfer, args: [notanaddress, 1]}]",
         "actions[0].args: wrong argument type for transfer(address,uint256)"),
        ("title: x\nactions: [{type: call, contract: '0x00000000000000000000000000000000000000aa', function: f}]",
         "actions[0].contract: '0x00000000000000000000000000000000000000aa' is not part of this deployment"),
        ("title: x\nactions: [{type: frobnicate}]", "actions[0].type: must be one of"),
        ("actions: []", "title: required"),
        ("title: [unclosed", "not valid YAML"),
    ],
)
def test_yaml_errors_name_file_and_field(run_cli, tmp_path, text, message):
    path = tmp_path / "0042-bad.yaml"
    path.write_text(text)
    result = run_cli("proposal", "build", path)
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: 0042-bad.yaml: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_front_running_protection_suffix(run_cli, tmp_path, governor, token, stranger, voters):
    path = pay_proposal(tmp_path, stranger.address, 1)
    built = json.loads(run_cli("proposal", "build", path, "--bind-proposer", "--account",
                               "TEST::1", "--json").stdout)
    assert built["description"].endswith(f"#proposer={voters[0].address}")
    # someone else cannot submit the bound description
    import ape

    with ape.reverts(governor.GovernorRestrictedProposer, proposer=stranger.address):
        governor.propose(built["targets"], [0], [bytes.fromhex(built["calldatas"][0][2:])],
                         built["description"], sender=stranger)


def test_delegate_command(run_cli, token, accounts, deployer, chain):
    holder = accounts[6]
    token.transfer(holder, 1000, sender=deployer)
    r = run_cli("delegate", "--account", "TEST::6")
    assert r.exit_code == 0, r.stderr
    chain.mine()
    assert token.getVotes(holder) == 1000


def test_ape_run_deploy_refuses_the_throwaway_local_chain(tmp_path):
    """`ape run deploy` on `local` would deploy to an anvil Ape starts for that run only: it
    refuses in one line, names `modelgov deploy`, and writes no deployments file."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    ape = Path(sys.executable).with_name("ape")
    env = {**os.environ, "MODELGOV_DEPLOYMENTS": str(tmp_path / "deployments")}
    proc = subprocess.run([str(ape), "run", "deploy", "--network", "ethereum:local:foundry"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() + proc.stdout.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and "modelgov deploy" in errors[0], proc.stderr + proc.stdout
    assert not (tmp_path / "deployments").exists()
