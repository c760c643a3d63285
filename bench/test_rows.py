"""The benchmark's rows: how the connector's reader messages are summed up."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rows import readers_summary  # noqa: E402


def test_the_readers_summary_follows_readers_joining_and_leaving():
    messages = [
        "Reading users with 2 parallel readers (at most 8): the process used 40% of a CPU while it waited for pages, ...",
        "Back to one reader of users after 2 parallel readers: pages came too little faster (9.0 pages/s against 8.0 before), ...",
        "Reading users with 4 parallel readers (at most 8): the process used 30% of a CPU while it waited for pages, ...",
        "Back to 3 readers of users after 4 parallel readers: pages came too little faster (20.0 pages/s against 19.0 before), ...",
        "Reading users with 4 parallel readers (at most 8): the process used 30% of a CPU while it waited for pages, ...",
        "Keeping 4 parallel readers of users: pages came fast enough (30.0 pages/s against 19.0 before).",
    ]
    assert readers_summary(messages) == "2, back to 1, 4, back to 3, 4, kept 4"
