"""How many actors are in each state of a version: counters kept in the transaction of every
write that moves an actor (``KeepBase._count_states``), read without a scan; counted once, by
reading every actor, for a store from before they were kept."""

from __future__ import annotations

from statekeep.keep.base import KeepBase, check_name, state_nodes
from statekeep.store import Reader


class States(KeepBase):
    def state_counts(self, definition_id: str) -> dict[str, int]:
        """The actors materialised on a version in each of its states, by path (``a``, ``a.b``:
        a compound state counts the actors in any of its children; states with none are left
        out). An actor a deployment's scan has not reached yet counts on its old version."""
        check_name(definition_id, "a definition id")
        with self._reading() as txn:
            counts = txn.state_counts(self._version_seq(definition_id))
        if counts is None:  # (another process is counting them for the first time)
            raise RuntimeError("the store's state counts are being made; try again in a moment")
        return counts

    def _count_all_states(self) -> None:
        """Count every actor once, for a store from before the counts were kept: in one
        exclusive transaction, so no write moves an actor meanwhile."""
        with self._store.read() as txn:
            if _kept(txn):
                return
        with self._store.write(exclusive=True) as txn:
            self._refresh(txn)
            self._follow_keys(txn)
            if _kept(txn):
                return
            counts: dict[tuple[int, str], int] = {}
            for actor_id, raw in txn.all_actors():
                actor = self._load_actor(actor_id, raw)
                version = self._seq_of[actor.version]
                for state in state_nodes(actor.value):
                    counts[(version, state)] = counts.get((version, state), 0) + 1
            txn.set_state_counts(counts)


def _kept(txn: Reader) -> bool:
    return txn.state_counts(0) is not None
