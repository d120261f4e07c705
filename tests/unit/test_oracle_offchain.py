"""Pure-Python parts of the oracle node: its state file and the word encoding."""

from __future__ import annotations

import pytest

from modelgov.chain.oracle_node import NodeState
from modelgov.errors import OracleNodeStateError, ValidationError
from modelgov.zk.answer import check_words, pack, signed, to_floats, unpack
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


def test_from_block_overrides_the_resume_point_but_keeps_what_was_handled(tmp_path):
    path = tmp_path / "node.json"
    # no state file: --from-block is where a fresh node starts (else start_block, else 0)
    assert NodeState.load(path, ORACLE, "serve", start_block=7, from_block=40).next_block == 40
    state = NodeState.load(path, ORACLE, "serve", start_block=7)
    state.mark(3, action="proposed", output=[1])
    state.next_block = 120
    state.save()
    # a state file: it resumes where it stopped, unless --from-block says otherwise
    assert NodeState.load(path, ORACLE, "serve").next_block == 120
    rewound = NodeState.load(path, ORACLE, "serve", from_block=10)
    assert rewound.next_block == 10 and "3" in rewound.handled  # re-scanned, never answered twice
    assert NodeState.load(path, ORACLE, "serve", from_block=500).next_block == 500  # skip history
    with pytest.raises(ValidationError, match="block numbers start at 0"):
        NodeState.load(path, ORACLE, "serve", from_block=-1)


def test_packed_words_round_trip_in_the_smallest_width():
    words = [0, 5, FIELD_MODULUS - 5, 127, FIELD_MODULUS - 128]
    packed = pack(words)
    assert packed[0] == 1 and len(packed) == 1 + len(words) and unpack(packed) == words
    assert pack([32768])[0] == 3 and pack([FIELD_MODULUS - 32768])[0] == 2
    assert unpack(pack(words, width=16)) == words and len(pack(words, width=16)) == 1 + 16 * len(words)
    assert pack([2**127 - 1])[0] == 16


def test_values_the_encoding_cannot_carry_are_refused_in_one_line():
    for bad, match in (([2**127], "does not fit the oracle's packed encoding"),
                       ([FIELD_MODULUS // 2], "does not fit"), ([], "no words"),
                       ([FIELD_MODULUS], "not a field element"), ([1] * 4097, "at most 4096")):
        with pytest.raises(ValidationError, match=match) as err:
            pack(bad, "input")
        assert "\n" not in str(err.value)
    with pytest.raises(ValidationError, match="cannot hold"):
        pack([300], width=1)
    for junk in (b"", b"\x00\x01", b"\x11" + b"\x00" * 17, b"\x02\x00\x01\x00"):
        with pytest.raises(ValidationError, match="not packed words"):
            unpack(junk)
