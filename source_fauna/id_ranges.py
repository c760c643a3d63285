"""Ranges of document ids that snapshot readers share, split as the read goes (work stealing).

Documents are ordered by id as a 64-bit number, so a range of ids is a part of a collection's
snapshot that one reader can page through on its own.
"""

import threading
from typing import Optional


class IdRange:
    """Ids [start, end) that one reader pages through; `None` is unbounded (such a range is never split).

    The reader reports where its next page begins (`reached`) and learns in the same step where it
    must stop; `split` hands the far half of what is left to another reader. Both happen under
    one lock, so each id is read by exactly one reader, even when a page was in flight across the
    new boundary (the reader drops what lies at or past `end`).

    Ids are not spread evenly (they grow with creation time, in bursts), so a range's width says
    little about how many documents it holds; the ids its reader's last page spanned say how many
    a page holds there. A range is split only while at least two such pages lie ahead, so that each
    half has a page's worth: split finer, the reader's page in flight reaches past the new end and
    the new reader fetches those documents again.
    """

    def __init__(self, start: Optional[int], end: Optional[int], lock: Optional[threading.Lock] = None, page_ids: Optional[int] = None) -> None:
        self.start = start
        self.end = end
        self._lock = lock or threading.Lock()
        self._page_ids = page_ids  # ids the last page spanned; None until a page was read

    def reached(self, next_id: Optional[int]) -> Optional[int]:
        """Records that ids below `next_id` are read (`None`: all of them); answers where to stop."""
        with self._lock:
            if next_id is not None and self.start is not None and next_id > self.start:
                self._page_ids = next_id - self.start
            self.start = self.end if next_id is None else next_id
            return self.end

    def left(self) -> int:
        """How many ids are still ahead of the reader (0 for an unbounded range)."""
        with self._lock:
            return self._ahead()

    def pages_left(self) -> float:
        """About how many pages are still ahead, at the density of the last page (ids ahead before the first)."""
        with self._lock:
            return self._pages_ahead()

    def can_split(self) -> bool:
        with self._lock:
            return self._pages_ahead() >= 2

    def split(self) -> Optional["IdRange"]:
        """Moves this range's end to the middle of what is left and answers the far half, if each half has a page's worth."""
        with self._lock:
            if self._pages_ahead() < 2:
                return None
            assert self.start is not None and self.end is not None  # bounded: nothing is ahead otherwise
            middle = self.start + (self.end - self.start) // 2
            far = IdRange(middle, self.end, self._lock, self._page_ids)
            self.end = middle
            return far

    def _ahead(self) -> int:
        return 0 if self.start is None or self.end is None else max(0, self.end - self.start)

    def _pages_ahead(self) -> float:
        return self._ahead() / (self._page_ids or 1)

    def __repr__(self) -> str:
        return f"IdRange({self.start}, {self.end})"
