"""The routing law's fingerprint, checked against an independent implementation of its text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

import statekeep

OFFSET = 0xCBF29CE484222325
PRIME = 0x100000001B3


def reference(event_types: list[str]) -> int:
    h = OFFSET
    for t in event_types:
        for b in t.encode("utf-8") + b"\xff":
            h = ((h ^ b) * PRIME) % 2**64
    return h


def test_empty_history_is_the_offset_basis() -> None:
    assert statekeep.fingerprint([]) == OFFSET
    assert statekeep.fingerprint_chain([]) == [OFFSET]


def test_published_vectors_through_the_separator() -> None:
    # FNV-1a 64 of "a\xff" and of the loan path, as the law's encoding defines them.
    assert statekeep.fingerprint(["a"]) == 0x089BC907B544C769
    assert statekeep.fingerprint(["SUBMIT_INFO", "PAY_FEE"]) == reference(["SUBMIT_INFO", "PAY_FEE"])


def test_splits_do_not_collide() -> None:
    assert statekeep.fingerprint(["AB", "C"]) != statekeep.fingerprint(["A", "BC"])


event_types = st.lists(st.text(min_size=1, max_size=12), max_size=12)


@given(event_types)
def test_fingerprint_matches_the_reference(history: list[str]) -> None:
    assert statekeep.fingerprint(history) == reference(history)


@given(event_types)
def test_chain_holds_every_prefix_and_extends(history: list[str]) -> None:
    chain = statekeep.fingerprint_chain(history)
    assert len(chain) == len(history) + 1
    for k in range(len(history) + 1):
        assert chain[k] == reference(history[:k])
    for k, t in enumerate(history):
        assert statekeep.fingerprint_extend(chain[k], t) == chain[k + 1]
