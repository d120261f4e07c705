"""The plain OZ governor plus ONE of the four modules ModelGovernor adds, made from the two
reference sources in ``bench/contracts`` (``RefGovernorPlain.sol`` and the same-module
``RefGovernorLateQuorum.sol``): each variant is the plain source with that module's base
contract, import, constructor argument and the override blocks the compiler requires, taken
verbatim from the same-module source. Compiled for their runtime size only (what each module
adds in bytecode), so they are generated, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parent / "contracts"


@dataclass(frozen=True)
class Module:
    name: str  # the OZ extension
    imports: tuple[str, ...]  # contracts to import besides the extension itself
    overrides: tuple[str, ...]  # the functions whose override blocks it needs
    constructor_arg: str = ""  # e.g. "uint48 _voteExtension"
    constructor_call: str = ""  # e.g. "GovernorPreventLateQuorum(_voteExtension)"


MODULES = {
    "PreventLateQuorum": Module("GovernorPreventLateQuorum", (), ("proposalDeadline", "_tallyUpdated"),
                                "uint48 _voteExtension", "GovernorPreventLateQuorum(_voteExtension)"),
    "ProposalGuardian": Module("GovernorProposalGuardian", (), ("_validateCancel",)),
    "SequentialProposalId": Module("GovernorSequentialProposalId", (), ("getProposalId", "_propose")),
    "NoncesKeyed": Module("GovernorNoncesKeyed", ("Nonces",),
                          ("_useCheckedNonce", "_validateExtendedVoteSig", "_validateVoteSig")),
}


def _import_line(source: str, contract: str) -> str:
    return next(line for line in source.splitlines() if line.startswith(f"import {{{contract}}} "))


def _override_block(source: str, function: str) -> str:
    """The ``function NAME(...) ... { ... }`` block of ``source`` (4-space indented, as written)."""
    start = source.index(f"    function {function}(")
    end = source.index("\n    }\n", start) + len("\n    }\n")
    return source[start:end]


def single_module_governors() -> dict[str, str]:
    """``{source name: Solidity}`` of ``RefGovernorPlus<Module>`` for each of :data:`MODULES`."""
    plain = (CONTRACTS / "RefGovernorPlain.sol").read_text()
    same = (CONTRACTS / "RefGovernorLateQuorum.sol").read_text()
    out = {}
    for label, m in MODULES.items():
        name = f"RefGovernorPlus{label}"
        s = plain.replace("contract RefGovernorPlain is", f"contract {name} is")
        imports = "\n".join(_import_line(same, c) for c in (m.name, *m.imports))
        s = s.replace("pragma solidity ^0.8.27;\n", f"pragma solidity ^0.8.27;\n\n{imports}\n", 1)
        s = s.replace("    GovernorTimelockControl\n{", f"    GovernorTimelockControl,\n    {m.name}\n{{", 1)
        if m.constructor_arg:
            s = s.replace("uint256 _quorumNumerator\n    )", f"uint256 _quorumNumerator,\n        {m.constructor_arg}\n    )", 1)
            s = s.replace("GovernorTimelockControl(_timelock)\n    {}",
                          f"GovernorTimelockControl(_timelock)\n        {m.constructor_call}\n    {{}}", 1)
        blocks = "\n".join(_override_block(same, f) for f in m.overrides)
        s = s.rstrip()
        out[f"bench/contracts/generated/{name}.sol"] = s[:-1].rstrip() + "\n\n" + blocks + "}\n"
    return out
