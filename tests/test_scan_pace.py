"""The scan's pace: batches of BATCH actors while no request waits for the store's writer,
shrunk to about BUSY_BUDGET's worth while some do, never below MIN_BATCH, grown back when the
requests are gone; and a keep's scan follows it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import statekeep
from statekeep.workers.scan import BATCH, BUSY_BUDGET, MIN_BATCH, Pace

pytestmark = pytest.mark.usefixtures("key_dir")

batches = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=BATCH),
        st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
        st.booleans(),
    ),
    max_size=40,
)


@given(batches)
def test_the_pace_stays_in_bounds_shrinks_under_contention_and_grows_back(steps: list[tuple[int, float, bool]]) -> None:
    pace = Pace()
    for actors, seconds, contended in steps:
        before = pace.size
        pace.after(actors, seconds, contended)
        assert MIN_BATCH <= pace.size <= BATCH
        if not contended:
            assert pace.size == min(BATCH, before * 2)
        elif seconds > BUSY_BUDGET and actors:
            # The next batch takes about the budget at the rate this one went, or is the least.
            assert pace.size <= before
            assert pace.size == MIN_BATCH or pace.size * seconds / actors <= BUSY_BUDGET
        else:
            assert pace.size == before


def test_a_keeps_scan_takes_smaller_batches_while_a_request_waits_and_grows_back(tmp_path: object) -> None:
    machine = {"id": "m", "initial": "a", "states": {"a": {"on": {"GO": "b"}}, "b": {}}}
    with statekeep.Keep(str(tmp_path) + "/data", scan=False) as keep:
        keep.deploy("m-v1", machine)
        keep.spawn_many("m-v1", [None] * (3 * BATCH))
        keep.deploy("m-v2", machine, parent="m-v1")
        assert keep._scanner.pace.size == BATCH
        # A request of this process waiting for the writer, counted as the keep's writes count one.
        keep._count_writing(1)
        try:
            assert keep.scan_step()
        finally:
            keep._count_writing(-1)
        shrunk = keep._scanner.pace.size
        # Moving BATCH actors (sealed, indexed, an outbox entry each) takes longer than the budget.
        assert MIN_BATCH <= shrunk < BATCH
        assert keep.deployment("m-v2").scanned == BATCH
        assert keep.scan_step()  # nobody waits: the next batch is this size, the one after twice it
        assert keep.deployment("m-v2").scanned == BATCH + shrunk
        assert keep._scanner.pace.size == min(BATCH, 2 * shrunk)
        while keep.scan_step():
            pass
        progress = keep.deployment("m-v2")
        assert progress.done and progress.counts == {"migrated": 3 * BATCH}
