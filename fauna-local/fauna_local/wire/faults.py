"""Deterministic fault injection for reliability tests: which query requests fail, and how.

Spec (JSON object, or `k=v,k=v` on the command line):
  every=N          fault every N-th query request (1 = all), counted from when the spec was set
  rate=P, seed=S   instead: fault with probability P drawn from a Random(S) (same sequence every run)
  action=...       429 | 503 | 500 | 409 (answer with that status) | drop (close the connection mid-response)
                   | stall (wait stall_seconds, then answer normally)
  stall_seconds=N  for action=stall (default 5)
  limit=N          stop after N faults
"""

from __future__ import annotations

import json
import random
import threading
from typing import Any, Dict, Optional

ACTIONS = ("429", "503", "500", "409", "drop", "stall")


def parse_spec(text: str) -> Dict[str, Any]:
    """`{"every": 3, "action": "503"}` or `every=3,action=503`."""
    text = text.strip()
    if text.startswith("{"):
        return json.loads(text)
    spec: Dict[str, Any] = {}
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        spec[key.strip()] = value.strip()
    return spec


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.spec: Optional[Dict[str, Any]] = None
        self.latency_ms = 0.0
        # A node whose one worker is the limit: each request's latency waits for the one before.
        self.one_at_a_time = False
        self.worker = threading.Lock()
        self._count = 0
        self._fired = 0
        self._random: Optional[random.Random] = None

    def set(self, spec: Dict[str, Any]) -> None:
        action = str(spec.get("action", spec.get("status", "503")))
        if action not in ACTIONS:
            raise ValueError(f"unknown fault action {action!r}; one of {ACTIONS}")
        if "every" not in spec and "rate" not in spec:
            raise ValueError("a fault spec needs every=N or rate=P (with seed=S)")
        normalised = {
            "action": action,
            "every": int(spec["every"]) if "every" in spec else None,
            "rate": float(spec.get("rate", 0)),
            "seed": int(spec.get("seed", 0)),
            "stall_seconds": float(spec.get("stall_seconds", 5)),
            "limit": int(spec["limit"]) if spec.get("limit") is not None else None,
        }
        if normalised["every"] is not None and normalised["every"] < 1:
            raise ValueError("every must be >= 1")
        with self._lock:
            self.spec = normalised
            self._count = 0
            self._fired = 0
            self._random = random.Random(normalised["seed"])

    def clear(self) -> None:
        with self._lock:
            self.spec = None

    def next(self) -> Optional[Dict[str, Any]]:
        """Decide for the next query request: the fault spec to apply, or None."""
        with self._lock:
            spec = self.spec
            if spec is None:
                return None
            if spec["limit"] is not None and self._fired >= spec["limit"]:
                return None
            self._count += 1
            if spec["every"] is not None:
                hit = self._count % spec["every"] == 0
            else:
                hit = self._random.random() < spec["rate"]
            if hit:
                self._fired += 1
                return spec
            return None

    def describe(self) -> Dict[str, Any]:
        with self._lock:
            return {"spec": self.spec, "latency_ms": self.latency_ms, "one_at_a_time": self.one_at_a_time, "seen": self._count, "fired": self._fired}
