"""The ceiling: a plain faunadb driver loop paging through a collection with the connector's query.

    python bench/driver_loop.py --endpoint http://127.0.0.1:PORT --collection users [--page-size 1000] [--convert]

Sends `Map(Paginate(Documents(Collection(c)), size: S, after: …), Lambda("x", Get(Var("x"))))` page
after page through `client.query` (the driver's own request and response decoding), and with
`--convert` also turns every document into JSON values (`Ref` → id/collection, `FaunaTime` → its
string, `date` → ISO date), the least a connector must do. Prints one JSON line on stderr: documents, pages,
and the monotonic times of the first and last page (the parent measures CPU and RSS).
"""

import argparse
import datetime
import json
import sys
import time
import warnings
from urllib.parse import urlsplit

warnings.simplefilter("ignore", DeprecationWarning)

from faunadb import query as q  # noqa: E402
from faunadb.client import FaunaClient  # noqa: E402
from faunadb.objects import FaunaTime, Ref  # noqa: E402

# Driver quirk 1: the client asks PyPI for a newer version when it is built (and may print to stdout).
FaunaClient.check_new_version = lambda self: None


def to_json_value(value):
    if isinstance(value, dict):
        return {key: to_json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json_value(item) for item in value]
    if isinstance(value, Ref):
        collection = value.collection()
        return {"id": value.id(), "collection": collection.id() if collection is not None else None}
    if isinstance(value, FaunaTime):
        return value.value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--secret", default="secret")
    parser.add_argument("--collection", default="users")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--convert", action="store_true")
    args = parser.parse_args()
    url = urlsplit(args.endpoint)
    client = FaunaClient(secret=args.secret, domain=url.hostname, port=url.port, scheme=url.scheme)
    started = time.monotonic()
    first = last = None
    first_page = 0
    documents = pages = 0
    cpu_first = None
    after = None
    convert = args.convert
    while True:
        options = {"size": args.page_size}
        if after is not None:
            options["after"] = after
        page = client.query(q.map_(q.lambda_("x", q.get(q.var("x"))), q.paginate(q.documents(q.collection(args.collection)), **options)))
        data = page["data"]
        if convert:
            data = [to_json_value(document) for document in data]
        now = time.monotonic()
        if first is None:
            first, first_page, cpu_first = now, len(data), time.process_time()
        last = now
        documents += len(data)
        pages += 1
        after = page.get("after")
        if after is None:
            break
    # On stderr, so stdout carries nothing (the parent reads both; only this line matters).
    print(json.dumps({"documents": documents, "pages": pages, "started": started, "first": first, "last": last, "first_page": first_page,
                      "cpu_first": cpu_first, "cpu_last": time.process_time()}), file=sys.stderr)
    sys.stderr.flush()


if __name__ == "__main__":
    main()
