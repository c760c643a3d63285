"""Speed of the local Fauna: documents/s for reads and writes over HTTP through the faunadb driver, the
same through the in-process engine (evaluation without HTTP), and the server's peak memory.

    .venv/bin/python bench/fauna_local_speed.py [--docs 50000] [--batch 1000] [--page 1000]

Its targets: reads `Map(Paginate(Documents(c), size: 1000), Lambda(Get))` >= 50,000 docs/s to one
client; `Create` writes, 1,000 per request, >= 10,000 docs/s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
import time
import resource
import warnings

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q
    from faunadb._json import to_json

from fauna_local.engine import Engine  # noqa: E402
from fauna_local.testing import LocalFauna  # noqa: E402

COLLECTION = "bench"


def document(i: int) -> dict:
    """About 300 bytes of JSON once rendered with its ref and ts."""
    return {
        "name": f"user-{i:08d}",
        "email": f"user{i}@example.com",
        "age": 20 + i % 60,
        "score": i * 0.5,
        "active": i % 2 == 0,
        "tags": ["alpha", "beta", "gamma"][: 1 + i % 3],
        "address": {"street": f"{i} Main Street", "city": "Springfield", "zip": f"{10000 + i % 89999}"},
        "note": "x" * 40,
    }


def create_batch(start: int, stop: int):
    """One request: Do(Create(Collection(c), {data}), ...) for documents start..stop-1."""
    return q.do(*[q.create(q.collection(COLLECTION), {"data": document(i)}) for i in range(start, stop)])


def create_bodies(n: int, batch: int) -> list:
    """The write requests serialised beforehand, so that timing covers the server only."""
    return [to_json(create_batch(s, min(n, s + batch))).encode() for s in range(0, n, batch)]


def write_batches(run, n: int, batch: int) -> float:
    """Create n documents through `run` (the driver), `batch` per request; returns seconds."""
    started = time.perf_counter()
    for start in range(0, n, batch):
        run(create_batch(start, min(n, start + batch)))
    return time.perf_counter() - started


def page_query(page: int, after=None):
    """Map(Paginate(Documents(c), size, after), Lambda("x", Get(Var("x"))))."""
    kwargs = {"size": page} if after is None else {"size": page, "after": after}
    return q.map_(q.lambda_("x", q.get(q.var("x"))), q.paginate(q.documents(q.collection(COLLECTION)), **kwargs))


def walk(fetch, page: int) -> tuple:
    """Follow `after` to the end; fetch(query) -> (documents on the page, next cursor or None).
    Returns (documents, seconds)."""
    seen, after = 0, None
    started = time.perf_counter()
    while True:
        count, after = fetch(page_query(page, after))
        seen += count
        if after is None:
            return seen, time.perf_counter() - started


def read_all(run, page: int) -> tuple:
    """Walk through `run` (the driver's query, or the engine plus a decoder)."""

    def fetch(query):
        result = run(query)
        return len(result["data"]), result.get("after")

    return walk(fetch, page)


def raw_writes(session: requests.Session, url: str, n: int, batch: int) -> float:
    """Create n documents through HTTP with bodies serialised beforehand (the server's cost, not the driver's)."""
    bodies = create_bodies(n, batch)
    started = time.perf_counter()
    for body in bodies:
        response = session.post(url, data=body, timeout=120)
        response.raise_for_status()
    return time.perf_counter() - started


AFTER = re.compile(rb'"after":\[\{"@ref":\{"id":"(\d+)"')


def raw_reads(session: requests.Session, url: str, page: int) -> tuple:
    """Walk the collection over plain HTTP, reading only the `after` cursor from the head of each answer
    (this server renders before/after ahead of data): the rate the server itself sustains."""

    def fetch(query):
        content = session.post(url, data=to_json(query).encode(), timeout=120).content
        match = AFTER.search(content, 0, 1000)  # before/after precede data in this server's pages
        if match is None:
            return content.count(b'{"ref":'), None
        return page, [q.ref(q.collection(COLLECTION), match.group(1).decode())]

    return walk(fetch, page)


def over_http(n: int, batch: int, page: int) -> None:
    with LocalFauna.start() as server:
        client = server.client(timeout=120)
        client.query(q.create_collection({"name": COLLECTION}))
        session = requests.Session()
        session.headers.update({"Authorization": "Bearer " + server.secret, "X-FaunaDB-API-Version": "4"})
        secs = raw_writes(session, server.endpoint + "/", n, batch)
        print(f"http   writes, pre-serialised bodies: {n} docs in {secs:.2f}s = {n / secs:,.0f} docs/s ({batch} Create per request)")
        seen, secs = raw_reads(session, server.endpoint + "/", page)
        print(f"http   reads, client reads only the cursor: {seen} docs in {secs:.2f}s = {seen / secs:,.0f} docs/s (Map/Paginate size {page}/Get)")
        seen, secs = read_all(client.query, page)
        print(f"driver reads (faunadb decode, shares the 2 cores): {seen} docs in {secs:.2f}s = {seen / secs:,.0f} docs/s")
        secs = write_batches(client.query, min(n, 10 * batch), batch)
        print(f"driver writes (driver to_json included): {min(n, 10 * batch) / secs:,.0f} docs/s")
        stats = server.stats()
        print(f"server peak RSS {stats['max_rss_kb'] / 1024:.0f} MB, CPU {stats['cpu_seconds']:.1f}s, eval {stats['eval_seconds']:.1f}s")


def in_process(n: int, batch: int, page: int) -> None:
    """Same work through Engine.execute: evaluation and rendering, no HTTP."""
    engine = Engine("secret")

    def run(expr):
        status, body, _ = engine.execute(to_json(expr).encode("utf-8"), "secret")
        if status >= 300:
            raise RuntimeError(body[:200])
        return _decode_page(body)

    run(q.create_collection({"name": COLLECTION}))
    bodies = create_bodies(n, batch)
    started = time.perf_counter()
    for body in bodies:
        engine.execute(body, "secret")
    secs = time.perf_counter() - started
    print(f"engine writes: {n} docs in {secs:.2f}s = {n / secs:,.0f} docs/s")
    seen, secs = read_all(run, page)
    print(f"engine reads : {seen} docs in {secs:.2f}s = {seen / secs:,.0f} docs/s (includes json.loads of the answer)")
    body = to_json(page_query(page)).encode()
    started = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        engine.execute(body, "secret")
    secs = time.perf_counter() - started
    print(f"engine eval only: first page of {page}, {rounds} times: {rounds * page / secs:,.0f} docs/s")
    print(f"this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB after {n} docs")


def _decode_page(body: bytes):
    """Just enough decoding for the benchmark loop: the `after` cursor as the driver would send it back."""
    resource = json.loads(body)["resource"]
    if isinstance(resource, dict) and "after" in resource:
        ref = resource["after"][0]["@ref"]
        resource["after"] = [q.ref(q.collection(COLLECTION), ref["id"])]
    return resource


def main() -> None:
    gc.set_threshold(100_000, 50, 1000)  # as the server process does (fauna-local/fauna_local/__main__.py)
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--skip-engine", action="store_true")
    args = parser.parse_args()
    over_http(args.docs, args.batch, args.page)
    if not args.skip_engine:
        in_process(args.docs, args.batch, args.page)


if __name__ == "__main__":
    main()
