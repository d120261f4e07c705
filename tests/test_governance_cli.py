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
    assert int(data["proposal_hash"]) == governor.hashProposal(*args)
    # not submitted yet: the id shown is the content hash (accepted by every command)
    assert data["proposal_id"] == data["proposal_hash"] and data["submitted"] is False


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


# --------------------------------------------------------------------------- issue 15: v2
def test_sequential_id_and_content_hash_both_address_a_proposal(run_cli, tmp_path, governor,
                                                                stranger):
    path = pay_proposal(tmp_path, stranger.address, 3, title="Numbered")
    sub = json.loads(run_cli("proposal", "submit", path, "--account", "TEST::1", "--json").stdout)
    pid, digest = int(sub["proposal_id"]), int(sub["proposal_hash"])
    assert pid == governor.latestProposalId() and digest != pid
    by_id = json.loads(run_cli("proposal", "status", pid, "--json").stdout)
    by_hash = json.loads(run_cli("proposal", "status", digest, "--json").stdout)
    assert by_id == by_hash and by_id["proposal_id"] == str(pid) and by_id["title"] == "Numbered"
    built = json.loads(run_cli("proposal", "build", path, "--json").stdout)
    assert built["proposal_id"] == str(pid) and built["submitted"] is True
    missing = run_cli("proposal", "status", 987654321)
    assert missing.exit_code != 0 and "no proposal 987654321" in missing.stderr


def test_cancel_by_proposer_while_pending_and_by_the_guardian(run_cli, tmp_path, chain, governor,
                                                              accounts, voters, stranger):
    path = pay_proposal(tmp_path, stranger.address, 4, title="Cancel me")
    pid = json.loads(run_cli("proposal", "submit", path, "--account", "TEST::1",
                             "--json").stdout)["proposal_id"]
    refused = run_cli("proposal", "cancel", pid, "--account", "TEST::2")
    assert refused.exit_code != 0 and refused.stderr.count("\n") == 1
    assert "may not cancel" in refused.stderr and "while Pending" in refused.stderr
    done = run_cli("proposal", "cancel", pid, "--account", "TEST::1", "--json")
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "Canceled"
    again = run_cli("proposal", "cancel", pid, "--account", "TEST::1")
    assert again.exit_code != 0 and "cannot be canceled (state Canceled)" in again.stderr

    # an active proposal: the proposer no longer may; the guardian (set by governance) may
    from governance_helpers import govern

    guardian = accounts[8]
    other = pay_proposal(tmp_path, stranger.address, 5, title="Guarded")
    pid2 = int(json.loads(run_cli("proposal", "submit", other, "--account", "TEST::1",
                                  "--json").stdout)["proposal_id"])
    advance_to_voting(chain, governor, pid2)
    late = run_cli("proposal", "cancel", pid2, "--account", "TEST::1")
    assert late.exit_code != 0 and "no proposal guardian is set" in late.stderr
    govern(chain, governor, [(governor, "setProposalGuardian", (guardian.address,))],
           "# Guardian", voters[0], voters)
    assert governor.proposalGuardian() == guardian.address
    late = run_cli("proposal", "cancel", pid2, "--account", "TEST::1")
    assert late.exit_code != 0 and f"or the proposal guardian {guardian.address}" in late.stderr
    ok = run_cli("proposal", "cancel", pid2, "--account", "TEST::8")
    assert ok.exit_code == 0, ok.stderr
    assert "Canceled" in ok.stdout


def test_list_filters_by_state(run_cli, tmp_path, chain, governor, stranger):
    a = pay_proposal(tmp_path, stranger.address, 6, title="Stays pending")
    run_cli("proposal", "submit", a, "--account", "TEST::1")
    assert json.loads(run_cli("proposal", "list", "--state", "active", "--json").stdout) == []
    pending = json.loads(run_cli("proposal", "list", "--state", "pending", "--json").stdout)
    assert [p["title"] for p in pending] == ["Stays pending"]
    plain = run_cli("proposal", "list", "--state", "executed")
    assert plain.exit_code == 0 and plain.stdout.strip() == "no executed proposals"
    bad = run_cli("proposal", "list", "--state", "sleeping")
    assert bad.exit_code != 0


def test_simulate_on_a_fork_of_a_chain_holding_the_suite(run_cli, deployment_file, tmp_path,
                                                        chain, token, timelock, deployer,
                                                        stranger):
    """`--fork-url` forks the test chain (which holds the deployed suite) with anvil on a free
    loopback port, runs the proposal there, and stops that anvil; the test chain is untouched."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    token.transfer(timelock, 10, sender=deployer)
    chain.mine()
    path = pay_proposal(tmp_path, stranger.address, 10, title="Forked")
    modelgov = Path(sys.executable).with_name("modelgov")
    env = {**os.environ, "MODELGOV_DEPLOYMENTS": str(deployment_file.parent),
           "MODELGOV_HOME": str(tmp_path / "home")}
    head = chain.blocks.head.number
    proc = subprocess.run(
        [str(modelgov), "proposal", "simulate", str(path), "--fork-url", chain.provider.uri,
         "--fork-block-number", str(head), "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["final_state"] == "Executed" and report["voters"]
    assert chain.blocks.head.number == head and token.balanceOf(stranger) == 0
    # the fork's anvil was stopped (by its PID): no pid file left, and the process is gone
    forks = list((tmp_path / "home").glob("anvil-fork-*"))
    assert forks and not any((f / "pid").exists() for f in forks)
    argv = json.loads((forks[0] / "service.json").read_text())["argv"]
    assert argv[argv.index("--host") + 1] == "127.0.0.1"

