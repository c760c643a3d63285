"""The input files of `source-fauna` runs (config, catalog, state), as the platform hands them over.

Shared by the integration tests, the benchmark and the reliability campaign, which all run the real
command: each file is numbered in the order written, so the inputs of successive runs in one directory
never overwrite each other and can be read afterwards in order.
"""

import json
from pathlib import Path
from typing import Any


class NumberedFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.written = 0

    def write(self, name: str, content: Any) -> str:
        """Writes `content` as JSON to `<n>-<name>.json`, n counting from 0001; returns the path."""
        self.written += 1
        path = self.directory / f"{self.written:04d}-{name}.json"
        path.write_text(json.dumps(content))
        return str(path)
