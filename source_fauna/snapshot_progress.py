"""How far a snapshot has come, as the state that lets an interrupted one resume where it stopped.

A snapshot reads a collection's documents as of one time S, by id ranges that readers split and
share at run time (parallel_snapshot.py). Each page a reader hands on covers an interval of ids:
every document of the collection at S with an id in it is in that page or an earlier one of the
same reader. What is left to read is the set of ids no handed-on page covered, whichever reader
read what; it is kept as a few disjoint intervals (about one per reader) and saved as

    {"snapshot": {"at": S, "ranges": [[from, to], ...]}}

where `from` is the id of the next document to read in a range (the one after the last read) and
`to` the end, exclusive; `null` is unbounded. The state has no `ts`: a state with `ts` says that
everything up to it was read, which a snapshot in progress must never claim (an older version of
the connector reading this state would otherwise skip the documents not yet read).
"""

from typing import Any, List, Mapping, Optional, Tuple

# [from, to) of ids; None is unbounded (below every id for `from`, above every id for `to`).
Interval = Tuple[Optional[int], Optional[int]]
EVERY_ID: Interval = (None, None)
STATE_KEY = "snapshot"


class SnapshotProgress:
    """The ids of a snapshot at `at` (µs) that no page handed on has covered yet."""

    def __init__(self, at: int, remaining: Optional[List[Interval]] = None) -> None:
        self.at = at
        self.remaining: List[Interval] = list(remaining) if remaining is not None else [EVERY_ID]

    def read(self, covered: Interval) -> None:
        """Marks the ids of `covered` as read."""
        start, end = covered
        left: List[Interval] = []
        for low, high in self.remaining:
            if _below(low, end) and _below(start, high):  # they overlap: keep the parts outside `covered`
                if start is not None and (low is None or low < start):
                    left.append((low, start))
                if end is not None and (high is None or end < high):
                    left.append((end, high))
            else:
                left.append((low, high))
        self.remaining = left

    def narrow_to(self, start: int, end: int) -> None:
        """Drops what lies outside [start, end): no document of the snapshot has an id there."""
        self.read((None, start))
        self.read((end, None))

    @property
    def finished(self) -> bool:
        return not self.remaining

    def state(self) -> Mapping[str, Any]:
        return {STATE_KEY: {"at": self.at, "ranges": [[low, high] for low, high in self.remaining]}}

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> "SnapshotProgress":
        """The progress a state saved by `state()` holds; a ValueError says what is wrong with it."""
        saved: Any = state.get(STATE_KEY)
        try:
            at = saved["at"]
            ranges = saved["ranges"]
            if isinstance(at, bool) or not isinstance(at, int) or not isinstance(ranges, list):
                raise TypeError
            remaining = [(_id(low), _id(high)) for low, high in ranges]
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                'a snapshot in progress is saved as {"snapshot": {"at": <µs>, "ranges": [[<id or null>, <id or null>], ...]}}, '
                f"not {saved!r}"
            ) from None
        return cls(at, remaining)


def is_snapshot_state(state: Optional[Mapping[str, Any]]) -> bool:
    """True for the state of a snapshot in progress, as `SnapshotProgress.state()` writes it."""
    return bool(state) and STATE_KEY in state  # type: ignore[operator]


def _id(value: Any) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError
    return value


def _below(low: Optional[int], high: Optional[int]) -> bool:
    """low < high, with None as unbounded on its side."""
    return low is None or high is None or low < high
