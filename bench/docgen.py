"""Documents shaped like real application data, for seeding the benchmark's collections.

Each document's `data` is about 320 bytes of FQL wire JSON (strings, integers, a float, a
nested object, a list, one `@ts` time and one `@date`), so a rendered document (ref + ts + data) is
about 460 bytes. Generation is deterministic (seeded),
so two runs seed the same bytes.
"""

import datetime
import random
import warnings
from typing import Any, Dict, Iterator, List

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from faunadb import query as q
    from faunadb.objects import FaunaTime

FIRST = ["Ada", "Grace", "Linus", "Barbara", "Edsger", "Margaret", "Dennis", "Frances", "Ken", "Radia", "Alan", "Hedy"]
LAST = ["Lovelace", "Hopper", "Torvalds", "Liskov", "Dijkstra", "Hamilton", "Ritchie", "Allen", "Thompson", "Perlman"]
CITIES = ["Lisbon", "Nairobi", "Osaka", "Montréal", "Bergen", "Valparaíso", "Tbilisi", "Austin", "Hobart", "Kraków"]
COUNTRIES = ["PT", "KE", "JP", "CA", "NO", "CL", "GE", "US", "AU", "PL"]
STREETS = ["Rua Augusta", "Moi Avenue", "Dotonbori", "Rue Sherbrooke", "Bryggen", "Cerro Alegre", "Rustaveli Ave"]
TAGS = ["beta", "newsletter", "vip", "churn-risk", "mobile", "desktop", "referral", "trial", "annual", "team"]
PLANS = ["free", "starter", "pro", "enterprise"]


def document(i: int, rng: random.Random) -> Dict[str, Any]:
    """The `data` of document number `i` (driver values: `FaunaTime`, `datetime.date`)."""
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city = rng.randrange(len(CITIES))
    created = 1_600_000_000 + rng.randrange(150_000_000)
    return {
        "user_id": i,
        "name": f"{first} {last}",
        "email": f"{first.lower()}.{last.lower()}{i}@example.com",
        "age": rng.randrange(18, 90),
        "score": round(rng.random() * 1000, 3),
        "plan": rng.choice(PLANS),
        "address": {
            "street": f"{rng.randrange(1, 999)} {rng.choice(STREETS)}",
            "city": CITIES[city],
            "zip": f"{rng.randrange(10000, 99999)}",
            "country": COUNTRIES[city],
        },
        "tags": rng.sample(TAGS, 3),
        "created_at": FaunaTime(datetime.datetime.fromtimestamp(created, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")),
        "birthday": datetime.date(1940 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28)),
    }


def documents(count: int, seed: int = 6, start: int = 0) -> Iterator[Dict[str, Any]]:
    rng = random.Random(seed * 1_000_003 + start)
    for i in range(start, start + count):
        yield document(i, rng)


def create_batch(collection: str, batch: List[Dict[str, Any]]) -> Any:
    """One request (one transaction) that creates every document of the batch."""
    return q.do(*[q.create(q.collection(collection), {"data": data}) for data in batch]) if len(batch) > 1 else q.create(
        q.collection(collection), {"data": batch[0]}
    )


def touch_page(collection: str, size: int, after: Any = None) -> Any:
    """Updates one page of the collection's documents (each gets a new `ts`); answers the page of refs."""
    options = {"size": size, "after": after} if after is not None else {"size": size}
    return q.map_(
        q.lambda_("r", q.select("ref", q.update(q.var("r"), {"data": {"touched": True}}))),
        q.paginate(q.documents(q.collection(collection)), **options),
    )
