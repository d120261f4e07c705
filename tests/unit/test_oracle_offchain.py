"""Pure-Python parts of the oracle node: its state file and the word encoding."""

from __future__ import annotations

import pytest

from modelgov.chain.oracle_node import NodeState
from modelgov.errors import OracleNodeStateError, ValidationError
from modelgov.zk.answer import check_words, signed, to_floats
from modelgov.zk.proof import FIELD_MODULUS

ORACLE = "0x" + "ab" * 20


def test_state_round_trip_and_resume(tmp_path):
    path = tmp_path / "node.json"
    fresh = NodeState.load(path, ORACLE, "serve", start_block=7)
    assert fresh.next_block == 7 and fresh.handled == {}
    fresh.mark(3, action="proposed", output=[1, FIELD_MODULUS - 1])
    fresh.next_block = 12
    fresh.save()
    again = NodeState.load(path, ORACLE.upper().replace("0X", "0x"), "serve")
    assert again.next_block == 12 and again.handled == {"3": {"action": "proposed", "output": [1, FIELD_MODULUS - 1]}}
    assert not list(tmp_path.glob(".state-*"))  # written atomically, no leftovers


def test_state_of_another_oracle_or_role_or_corrupt_is_refused(tmp_path):
    path = tmp_path / "node.json"
    NodeState.load(path, ORACLE, "serve").save()
    with pytest.raises(OracleNodeStateError, match="not the watch state"):
        NodeState.load(path, ORACLE, "watch")
    with pytest.raises(OracleNodeStateError, match="serve state of oracle"):
        NodeState.load(path, "0x" + "cd" * 20, "serve")
    path.write_text("{not json")
    with pytest.raises(OracleNodeStateError, match="not an oracle node state file"):
        NodeState.load(path, ORACLE, "serve")


def test_word_encoding():
    assert signed(FIELD_MODULUS - 5) == -5 and signed(5) == 5
    assert to_floats([1024, FIELD_MODULUS - 512], 10) == [1.0, -0.5]
    assert check_words([0, FIELD_MODULUS - 1], "input") == [0, FIELD_MODULUS - 1]
    for bad in ([], [FIELD_MODULUS], [-1], [True], [1.5]):
        with pytest.raises(ValidationError):
            check_words(bad, "input")
