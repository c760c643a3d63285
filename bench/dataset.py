"""The benchmark's data: collections with a `[ts, ref]` index, seeded with `docgen` documents, and changed in bulk."""

import time
import urllib.request
import warnings
from typing import Any, Dict, List

import docgen
from source_fauna.fauna_gateway import encode

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q


def create_collection(client: Any, name: str) -> None:
    client.query(q.create_collection({"name": name}))
    client.query(q.create_index({"name": f"{name}_ts", "source": q.collection(name), "values": [{"field": ["ts"]}, {"field": ["ref"]}]}))


def seed(client: Any, name: str, count: int, batch: int = 1000, start: int = 0) -> float:
    """Creates `count` documents, `batch` per request; answers the seconds it took."""
    started = time.monotonic()
    chunk: List[Dict[str, Any]] = []
    for document in docgen.documents(count, start=start):
        chunk.append(document)
        if len(chunk) == batch:
            client.query(docgen.create_batch(name, chunk))
            chunk = []
    if chunk:
        client.query(docgen.create_batch(name, chunk))
    return time.monotonic() - started


# Fauna's ids grow with creation time: a collection that grew for years and then took a bulk import
# has a few ids spread wide and most of its documents packed among the newest.
SKEW_FIRST_ID = 100_000_000_000_000_000
SKEW_IMPORT_ID = 380_000_000_000_000_000


def seed_skewed(client: Any, name: str, count: int, batch: int = 1000, spread_share: float = 0.05) -> float:
    """Creates `count` documents with skewed ids: `spread_share` of them evenly between SKEW_FIRST_ID and
    SKEW_IMPORT_ID, the rest on consecutive ids from there; answers the seconds it took."""
    started = time.monotonic()
    spread = max(1, int(count * spread_share))
    step = (SKEW_IMPORT_ID - SKEW_FIRST_ID) // spread
    ids = [SKEW_FIRST_ID + i * step for i in range(spread)] + [SKEW_IMPORT_ID + i for i in range(count - spread)]
    chunk: List[Any] = []
    for document_id, data in zip(ids, docgen.documents(count, start=20_000_000)):
        chunk.append(q.create(q.ref(q.collection(name), str(document_id)), {"data": data}))
        if len(chunk) == batch:
            client.query(q.do(*chunk))
            chunk = []
    if chunk:
        client.query(q.do(*chunk))
    return time.monotonic() - started


def touch_all(client: Any, name: str, batch: int = 1000) -> int:
    """Updates every document of the collection (a new `ts` for each), `batch` per request."""
    after = None
    touched = 0
    while True:
        page = client.query(docgen.touch_page(name, batch, after))
        touched += len(page["data"])
        after = page.get("after")
        if after is None:
            return touched


def wire_size_of_first(endpoint: str, secret: str, collection: str) -> int:
    """Bytes of one rendered document as Fauna sends it (without the `{"resource": …}` envelope)."""
    body = encode(q.get(q.select(0, q.select("data", q.paginate(q.documents(q.collection(collection)), size=1)))))
    request = urllib.request.Request(f"{endpoint}/", data=body, method="POST", headers={"Authorization": f"Bearer {secret}", "X-FaunaDB-API-Version": "4"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return len(response.read()) - len('{"resource":}')
