"""The campaign's documents: seeded, then changed by creates, updates and deletes through the faunadb
driver, with what the node acknowledged remembered; and the database's truth, read back at the end.

Each batch is one transaction. A batch cut short by a node kill may or may not have committed, so its
documents are set aside (`uncertain`): later batches do not touch them and the durability check skips
them, while the destination is still compared with whatever the database holds.
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q

from reliability.accounting import Key, Row

TRUTH_PAGE_SIZE = 1000


@dataclass(frozen=True)
class Write:
    action: str  # create | update | delete
    collection: str
    ref: str
    data: Optional[Dict[str, Any]] = None

    @property
    def key(self) -> Key:
        return (self.collection, self.ref)


class Workload:
    def __init__(self, collections: List[str], rng: random.Random) -> None:
        self.collections = collections
        self.rng = rng
        self.acknowledged: Dict[Key, Optional[int]] = {}  # last acknowledged ts, None once deleted
        self.uncertain: Set[Key] = set()
        self._next_id = 1

    def create_schema(self, client: Any) -> None:
        for name in self.collections:
            client.query(q.create_collection({"name": name, "history_days": 30}))
            client.query(q.create_index({"name": f"{name}_ts", "source": q.collection(name), "values": [{"field": ["ts"]}, {"field": ["ref"]}]}))

    def creates(self, count: int) -> List[Write]:
        writes = []
        for _ in range(count):
            ref = str(self._next_id)
            self._next_id += 1
            writes.append(Write("create", self.rng.choice(self.collections), ref, self._data(ref)))
        return writes

    def changes(self, count: int) -> List[Write]:
        """A fifth creates; the rest updates and deletes (two to one) of distinct acknowledged documents."""
        live = sorted(key for key, ts in self.acknowledged.items() if ts is not None and key not in self.uncertain)
        targets = self.rng.sample(live, min(len(live), count - count // 5))
        writes = []
        for index, (collection, ref) in enumerate(targets):
            if index % 3 == 2:
                writes.append(Write("delete", collection, ref))
            else:
                writes.append(Write("update", collection, ref, self._data(ref)))
        writes += self.creates(count - len(writes))
        self.rng.shuffle(writes)
        return writes

    def _data(self, ref: str) -> Dict[str, Any]:
        return {
            "ref_id": ref,
            "version": self.rng.randrange(1_000_000),
            "name": f"document {ref}",
            "amount": round(self.rng.uniform(0, 1000), 2),
            "tags": self.rng.sample(["a", "b", "c", "d", "e"], 2),
            "nested": {"flag": self.rng.random() < 0.5, "note": None},
        }

    def apply(self, client: Any, batch: List[Write]) -> None:
        """Runs `batch` as one transaction and records what the node acknowledged; raises if it failed."""
        results = client.query([_expression(write) for write in batch])
        for write, result in zip(batch, results):
            self.acknowledged[write.key] = None if write.action == "delete" else int(result["ts"])

    def set_aside(self, batch: List[Write]) -> None:
        self.uncertain.update(write.key for write in batch)


def _expression(write: Write) -> Any:
    ref = q.ref(q.collection(write.collection), write.ref)
    if write.action == "create":
        return q.create(ref, {"data": write.data})
    if write.action == "update":
        return q.replace(ref, {"data": write.data})
    return q.delete(ref)


def read_truth(client: Any, collections: List[str]) -> Dict[Key, Row]:
    """Every document's current version, read directly from the database."""
    truth: Dict[Key, Row] = {}
    for name in collections:
        after = None
        while True:
            options = {"size": TRUTH_PAGE_SIZE, **({"after": after} if after is not None else {})}
            page = client.query(q.map_(q.lambda_("r", q.get(q.var("r"))), q.paginate(q.documents(q.collection(name)), **options)))
            for document in page["data"]:
                truth[(name, document["ref"].id())] = Row(int(document["ts"]), document["data"])
            after = page.get("after")
            if after is None:
                break
    return truth


def acknowledged_but_missing(truth: Dict[Key, Row], workload: Workload) -> int:
    """Acknowledged writes the node no longer has (a create or update whose version is gone, or a delete
    undone), among documents no uncertain batch touched."""
    missing = 0
    for key, ts in workload.acknowledged.items():
        if key in workload.uncertain:
            continue
        held = truth.get(key)
        if (ts is None and held is not None) or (ts is not None and (held is None or held.ts != ts)):
            missing += 1
    return missing
