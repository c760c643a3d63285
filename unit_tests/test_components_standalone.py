"""components.py is what the Connector Builder injects on its own: it must load without the rest of
the package and without faunadb, and say clearly what is missing when it has to read."""

import subprocess
import sys
from pathlib import Path

COMPONENTS = Path(__file__).resolve().parents[1] / "source_fauna" / "components.py"

# Runs in a fresh interpreter where `faunadb` and `source_fauna` cannot be imported, as in the
# Builder's runtime, and executes components.py the way the CDK does (exec into a new module).
PROGRAM = f"""
import sys, types, importlib.abc

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("faunadb", "source_fauna"):
            raise ImportError(f"No module named {{name!r}} (blocked)")
        return None

sys.meta_path.insert(0, Block())
module = types.ModuleType("components")
exec(compile(open({str(COMPONENTS)!r}).read(), "components.py", "exec"), module.__dict__)
sys.modules["components"] = module
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
retriever = module.FaunaCollectionsRetriever(config={{"domain": "localhost", "secret": "s"}}, parameters={{}}, paginator=module.FaunaPaginator(config={{}}, parameters={{}}, page_size=10))
try:
    list(retriever.read_records({{}}))
except AirbyteTracedException as error:
    print("FAILURE_TYPE", error.failure_type.value)
    print("MESSAGE", error.message)
"""


def test_components_load_without_faunadb_and_fail_reads_with_a_clear_message():
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "FAILURE_TYPE config_error" in result.stdout
    assert "needs the airbyte-source-fauna package and the faunadb driver" in result.stdout
