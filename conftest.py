"""Marks the integration tests and the benchmark's harness tests `slow` (see pyproject.toml's markers)."""

from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parent
SLOW = (ROOT / "integration_tests", ROOT / "bench")


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if any(item.path.is_relative_to(folder) for folder in SLOW):
            item.add_marker(pytest.mark.slow)
