"""Runs the old connector (airbyte-source-fauna 0.1.10) with the driver's PyPI call neutralised.

Started with the old connector's own venv python (`.tmp/old-source-fauna-venv/bin/python
bench/old_connector.py read --config …`). `FaunaClient.__init__` asks PyPI for a newer faunadb and
may print a banner to stdout; the benchmark must neither depend on the network nor corrupt the
protocol stream, so the check is replaced by a no-op before the connector is imported.
"""

import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

import faunadb.client  # noqa: E402

faunadb.client.FaunaClient.check_new_version = lambda self: None

from source_fauna.run import run  # noqa: E402  (the old package, from its own venv)

if __name__ == "__main__":
    sys.argv[0] = "source-fauna"
    run()
