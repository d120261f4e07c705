"""``modelgov oracle deploy|request|status|finalize|refund|withdraw|serve|watch``: the inference oracle."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from modelgov.cli._chain import ADDRESS, account_option, client, network_option
from modelgov.cli._common import echo_json, json_option

if TYPE_CHECKING:
    from modelgov.chain.client import ModelGov
    from modelgov.chain.oracle import Oracle

_file = click.Path(exists=True, dir_okay=False, path_type=Path)
oracle_option = click.option("--oracle", "oracle_address", type=ADDRESS, default=None,
                             envvar="MODELGOV_ORACLE",
                             help="Oracle address (default: the deployment's `oracle`).")
ipfs_option = click.option("--ipfs-api", default=None, help="IPFS RPC URL to fetch pinned versions from.")


@click.group()
def oracle() -> None:
    """Ask the DAO's active model from contracts: optimistic answers, disputes settled by zk proof."""


def _oracle(gov: ModelGov, oracle_address: str | None) -> Oracle:
    """The oracle at ``--oracle``, else the deployment's."""
    from modelgov.chain.oracle import Oracle

    return gov.oracle if oracle_address is None else Oracle.at(gov, oracle_address)


def _ether(wei: int) -> str:
    return f"{wei / 10**18:g} ETH"


@oracle.command("deploy")
@click.option("--proposer-bond", type=click.IntRange(min=1), default=None,
              help="Wei (local default 0.1 ETH).")
@click.option("--challenger-bond", type=click.IntRange(min=1), default=None,
              help="Wei (local default 0.05 ETH).")
@click.option("--fee", type=click.IntRange(min=0), default=None, help="Wei per request (default 0).")
@click.option("--window", type=click.IntRange(60, 30 * 86400), default=None,
              help="Challenge and response window, seconds (default 120).")
@click.option("--timeout", "request_timeout", type=click.IntRange(60, 365 * 86400), default=None,
              help="Seconds after which an unanswered request is refundable (default 3600).")
@network_option
@account_option
@json_option
def oracle_deploy(proposer_bond: int | None, challenger_bond: int | None, fee: int | None, window: int | None,
                  request_timeout: int | None, network: str, account: str | None, as_json: bool) -> None:
    """Deploy the oracle over the deployment's registry (admin: the timelock) and record it."""
    from dataclasses import replace

    from modelgov.chain.oracle import deploy_oracle, local_config

    with client(network, account) as gov:
        deployment = gov.deployment
        timelock, registry = deployment.address("timelock"), deployment.address("registry")
        config = local_config(timelock)
        config = replace(
            config,
            proposer_bond=config.proposer_bond if proposer_bond is None else proposer_bond,
            challenger_bond=config.challenger_bond if challenger_bond is None else challenger_bond,
            fee=config.fee if fee is None else fee,
            challenge_window=config.challenge_window if window is None else window,
            response_window=config.response_window if window is None else window,
            request_timeout=config.request_timeout if request_timeout is None else request_timeout,
        )
        address = str(deploy_oracle(gov.account, timelock, registry, config).address)
        path = gov.record_contract("oracle", address)
    result = {"oracle": address, "config": config.to_json(), "deployment": str(path)}
    if as_json:
        echo_json(result)
    else:
        click.echo(f"InferenceOracle at {result['oracle']} (recorded in {path})")


def _input_words(gov: ModelGov, model: str, input_file: Path, ipfs_api: str | None) -> tuple[int, list[int]]:
    """The model id and the request's input words: ``{"words": [...]}`` as given, else numbers
    quantized by the active version's circuit."""
    from modelgov.errors import NotFoundError, ValidationError

    model_id = gov.registry.resolve_model(int(model) if model.isdigit() else model)
    try:
        data = json.loads(input_file.read_text())
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{input_file}: unreadable JSON ({exc})") from None
    if isinstance(data, dict) and "words" in data:
        words = data["words"]
        if not isinstance(words, list) or not all(isinstance(w, int) for w in words):
            raise ValidationError(f"{input_file}: \"words\" must be a list of integers")
        return model_id, words
    from modelgov.chain.zk_versions import version_folder
    from modelgov.zk.answer import quantize
    from modelgov.zk.artifacts import load_circuit
    from modelgov.zk.inputs import parse_samples

    record = gov.registry.active_version(model_id)
    if record is None:
        raise NotFoundError(f"model {model!r} has no active version")
    folder = version_folder(record, api=ipfs_api)
    samples = parse_samples(data, load_circuit(folder).input_size, str(input_file))
    if len(samples) != 1:
        raise ValidationError(f"{input_file}: one sample per request ({len(samples)} given)")
    return model_id, quantize(folder, samples[0])


@oracle.command("request")
@click.argument("model")
@click.option("--input", "input_file", type=_file, required=True,
              help="JSON: one sample of numbers (quantized by the active version's circuit) "
                   'or {"words": [...]}.')
@ipfs_option
@oracle_option
@network_option
@account_option
@json_option
def oracle_request(model: str, input_file: Path, ipfs_api: str | None, oracle_address: str | None,
                   network: str, account: str | None, as_json: bool) -> None:
    """Ask MODEL's active version (pinned now) about an input; prints the request id."""
    with client(network, account) as gov:
        orc = _oracle(gov, oracle_address)
        model_id, words = _input_words(gov, model, input_file, ipfs_api)
        rid = orc.request(model_id, words).value
        record = orc.record(rid)
    if as_json:
        echo_json({**record.to_json(), "input": words})
    else:
        click.echo(f"request {rid}: model #{record.model_id}, version {record.version_id} pinned "
                   f"(verifier {record.verifier})")


@oracle.command("status")
@click.argument("request_id", type=click.IntRange(min=1))
@oracle_option
@network_option
@json_option
def oracle_status(request_id: int, oracle_address: str | None, network: str, as_json: bool) -> None:
    """Show a request: status, pinned version, answer, bonds, deadline."""
    with client(network) as gov:
        orc = _oracle(gov, oracle_address)
        record = orc.record(request_id)
        doc = record.to_json()
        if record.output_hash is not None and record.status in ("proposed", "challenged", "final"):
            # a proven answer differs from the proposal: the hash alone is shown
            with contextlib.suppress(Exception):
                doc["output"] = orc.proposed_output(request_id)
        doc["refundable"] = orc.refundable(request_id)
    if as_json:
        echo_json(doc)
        return
    click.echo(f"request {request_id}: {record.status}{' (proven)' if record.proven else ''}, model "
               f"#{record.model_id} version {record.version_id}")
    if record.status in ("open", "proposed", "challenged"):
        click.echo(f"  expires at {record.expires_at} if unanswered"
                   f"{'; refundable now (modelgov oracle refund)' if doc['refundable'] else ''}")
    if record.proposer:
        click.echo(f"  proposer {record.proposer} (bond {_ether(record.proposer_bond)}), "
                   f"deadline {record.deadline}")
    if record.challenger:
        click.echo(f"  challenger {record.challenger} (bond {_ether(record.challenger_bond)})")
    if record.output_hash:
        failed = "; callback failed" if record.callback_failed else ""
        click.echo(f"  answer hash {record.output_hash}{failed}")


@oracle.command("finalize")
@click.argument("request_id", type=click.IntRange(min=1))
@oracle_option
@network_option
@account_option
@json_option
def oracle_finalize(request_id: int, oracle_address: str | None, network: str, account: str | None,
                    as_json: bool) -> None:
    """Finalize an unchallenged answer after its window, or expire an unproven challenge."""
    with client(network, account) as gov:
        orc = _oracle(gov, oracle_address)
        before = orc.record(request_id)
        if before.status == "challenged":
            record = orc.expire_challenge(request_id).value
        else:
            record = orc.finalize(request_id).value
    if as_json:
        echo_json(record.to_json())
    else:
        click.echo(f"request {request_id}: {before.status} → {record.status}")


@oracle.command("refund")
@click.argument("request_id", type=click.IntRange(min=1))
@oracle_option
@network_option
@account_option
@json_option
def oracle_refund(request_id: int, oracle_address: str | None, network: str, account: str | None,
                  as_json: bool) -> None:
    """End a request nobody answered in time (or whose version is suspended): the fee is credited
    back to the requester and posted bonds to their posters (then `oracle withdraw`)."""
    with client(network, account) as gov:
        record = _oracle(gov, oracle_address).refund(request_id).value
    if as_json:
        echo_json(record.to_json())
    else:
        click.echo(f"request {request_id}: refunded ({_ether(record.fee)} credited to {record.requester})")


@oracle.command("withdraw")
@oracle_option
@network_option
@account_option
@json_option
def oracle_withdraw(oracle_address: str | None, network: str, account: str | None, as_json: bool) -> None:
    """Withdraw the bonds, awards and fees credited to the account."""
    with client(network, account) as gov:
        amount = _oracle(gov, oracle_address).withdraw().value
    echo_json({"withdrawn_wei": amount}) if as_json else click.echo(f"withdrew {_ether(amount)}")


Step = Callable[["Oracle", Any, Any], list[dict[str, Any]]]


def _loop(role: str, once: bool, interval: float, state_file: Path | None, from_block: int | None,
          network: str, account: str | None, oracle_address: str | None, ipfs_api: str | None,
          as_json: bool, step: Step) -> None:
    from modelgov.chain import oracle_node

    with client(network, account) as gov:
        orc = _oracle(gov, oracle_address)
        gov.account  # noqa: B018 - an unknown alias fails before the first pass
        path = state_file or oracle_node.default_state_path(gov.connection.chain_id, orc.address, role)
        state = oracle_node.NodeState.load(path, orc.address, role, from_block=from_block)
        folders = oracle_node.registry_folders(gov.registry, ipfs_api)
        while True:
            actions = step(orc, state, folders)
            for action in actions:
                click.echo(json.dumps(action) if as_json else
                           " ".join(f"{k}={v}" for k, v in action.items() if k != "output"))
            if once:
                return
            time.sleep(interval)


_F = TypeVar("_F", bound=Callable[..., Any])

_loop_options = [
    click.option("--once", is_flag=True, help="One pass, then exit."),
    click.option("--interval", type=click.FloatRange(0.1), default=2.0, show_default=True,
                 help="Seconds between passes."),
    click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="State file (default: $MODELGOV_HOME/oracle/<chain>-<oracle>-<role>.json)."),
    click.option("--from-block", type=click.IntRange(min=0), default=None,
                 help="Follow events from block N (overrides the state file's resume point; requests "
                      "it already handled are still never answered twice)."),
    ipfs_option, oracle_option, network_option, account_option, json_option,
]


def _with_loop_options(fn: _F) -> _F:
    for option in reversed(_loop_options):
        fn = option(fn)
    return fn


@oracle.command("serve")
@click.option("--prove", is_flag=True, help="Answer every request with a zk proof instead of a bond.")
@_with_loop_options
def oracle_serve(prove: bool, once: bool, interval: float, state_file: Path | None, from_block: int | None,
                 ipfs_api: str | None, oracle_address: str | None, network: str, account: str | None,
                 as_json: bool) -> None:
    """Run a node: answer requests with the pinned version, finalize and defend its answers."""
    from modelgov.chain.oracle_node import serve_once

    _loop("serve", once, interval, state_file, from_block, network, account, oracle_address, ipfs_api,
          as_json, lambda o, s, f: serve_once(o, s, f, prove=prove))


@oracle.command("watch")
@_with_loop_options
def oracle_watch(once: bool, interval: float, state_file: Path | None, from_block: int | None,
                 ipfs_api: str | None, oracle_address: str | None, network: str, account: str | None,
                 as_json: bool) -> None:
    """Run a watchtower: recompute proposed answers, challenge a wrong one and prove the truth."""
    from modelgov.chain.oracle_node import watch_once

    _loop("watch", once, interval, state_file, from_block, network, account, oracle_address, ipfs_api,
          as_json, watch_once)
