"""The campaign: seed, a first sync, then rounds of writes (the node killed during each) and incremental
syncs; the connector is killed at random STATE messages and resumed as the platform would; faults of
every kind are injected during reads. At the end the destination is compared with the database.

`--seed` fixes the data, the writes, the fault draws and every random choice (kill points, the secret);
where a kill lands and which request a fault hits still depend on timing, as on a real platform.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from reliability.accounting import Destination, SyncReads, compare, secret_forms
from reliability.connector import PlatformState, SourceCommand
from reliability.node import FaultInjector, Node, NodeDidNotRestart
from reliability.workload import Workload, acknowledged_but_missing, read_truth

DELETED_COLUMN = "_ab_cdc_deleted_at"
SEED_BATCH = 2000
WRITE_BATCH = 100
HOUR = 3600


@dataclass
class Settings:
    seed: int = 1
    documents: int = 10_000
    collections: int = 3
    rounds: int = 5  # write rounds, each followed by an incremental sync
    writes_per_round: int = 1_000
    fault_rate: float = 0.3
    stall_seconds: float = 0.5
    kills: int = 5  # connector kills during the first sync
    incremental_kills: int = 5  # connector kills spread over the incremental syncs
    node_kills: bool = True  # kill the node during each round's writes
    page_size: Optional[int] = None  # None: the connector's default
    checkpoint_interval: str = "PT1H"
    attempts_per_sync: int = 40
    attempt_timeout: float = 900.0
    time_limit: float = 7200.0


@dataclass
class Report:
    settings: Settings
    faults: Dict[str, int] = field(default_factory=dict)
    sync_requests: int = 0
    syncs: int = 0
    attempts: int = 0
    kills_first_sync: int = 0
    kills_incremental: int = 0
    kills_not_made: int = 0
    # By the failure type of the attempt's first error TRACE: the one the platform's retry decision reads.
    failed_attempts: Counter = field(default_factory=Counter)
    failure_messages: List[str] = field(default_factory=list)
    timed_out_attempts: int = 0
    unfinished_syncs: int = 0
    node_kills: int = 0
    records_read: int = 0
    repeated_per_resume: List[int] = field(default_factory=list)
    repeated_first_sync: List[int] = field(default_factory=list)
    compared: bool = False  # the destination was compared with the database (the campaign reached its end)
    documents_in_database: int = 0
    missing: int = 0
    stale: int = 0
    phantom: int = 0
    acknowledged_lost: int = 0
    uncertain_documents: int = 0
    secret_hits: int = 0
    stopped_early: str = ""
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return self.missing + self.stale

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.phantom or self.acknowledged_lost or self.secret_hits or self.unfinished_syncs or self.stopped_early)



class Campaign:
    def __init__(self, settings: Settings, workdir: Path) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.secret = f"fnCampaign{self.rng.getrandbits(128):032x}"  # long and random: the scan never matches by chance
        self.forms = secret_forms(self.secret)
        self.workdir = workdir
        self.report = Report(settings)
        self.collections = [f"campaign_{index}" for index in range(settings.collections)]
        self.workload = Workload(self.collections, random.Random(self.rng.random()))
        self.destination = Destination(DELETED_COLUMN)
        self.platform = PlatformState()
        self.faults = FaultInjector(settings.fault_rate, settings.seed, settings.stall_seconds)
        self.source = SourceCommand(workdir, self.forms)
        self._states_per_attempt = settings.collections
        self._started = time.monotonic()
        # The node's clock starts far enough behind the wall clock for every round's hours.
        offset = -(settings.rounds * 2 + 24) * HOUR
        self.node = Node(workdir / "node-data", self.secret, offset)

    def run(self) -> Report:
        try:
            self._seed()
            catalog = self._catalog()
            self.report.repeated_first_sync, _ = self._sync(catalog, self.settings.kills, first=True)
            kills_left = 0
            for round_index in range(self.settings.rounds):
                if self._out_of_time():
                    break
                self._write_round()
                # A kill whose STATE never came (the attempt ended first) moves on to the next sync.
                _, kills_left = self._sync(catalog, kills_left + self._share(self.settings.incremental_kills, round_index), first=False)
            self.report.kills_not_made = kills_left
            self._compare()
        except NodeDidNotRestart as error:
            self.report.stopped_early = str(error)
        finally:
            self.report.faults = dict(self.faults.fired)
            self.report.sync_requests = self.faults.requests
            self.report.node_kills = self.node.kills
            self.report.seconds = time.monotonic() - self._started
            self.node.stop()
        return self.report

    def _share(self, total: int, round_index: int) -> int:
        rounds = self.settings.rounds
        return total // rounds + (1 if round_index < total % rounds else 0)

    def _out_of_time(self) -> bool:
        if time.monotonic() - self._started > self.settings.time_limit:
            self.report.stopped_early = f"the time limit ({self.settings.time_limit:.0f} s) passed"
            return True
        return False

    # -- data ---------------------------------------------------------------------------------
    def _seed(self) -> None:
        client = self.node.client()
        self.workload.create_schema(client)
        remaining = self.settings.documents
        while remaining:
            count = min(SEED_BATCH, remaining)
            self.workload.apply(client, self.workload.creates(count))
            remaining -= count
        print(f"seeded {self.settings.documents} documents in {len(self.collections)} collections", flush=True)

    def _write_round(self) -> None:
        """The round's writes in batches, spread over two hours of node time; the node is SIGKILLed
        while one batch is in flight and restarted from its data directory."""
        writes = self.workload.changes(self.settings.writes_per_round)
        batches = [writes[start : start + WRITE_BATCH] for start in range(0, len(writes), WRITE_BATCH)]
        kill_at = self.rng.randrange(len(batches)) if self.settings.node_kills and batches else None
        for index, batch in enumerate(batches):
            if index == kill_at:
                self._write_while_killing_the_node(batch)
            else:
                self.workload.apply(self.node.client(), batch)
            self.node.advance_clock(2 * HOUR / len(batches))
        print(f"wrote {len(writes)} creates, updates and deletes in {len(batches)} transactions; node killed during #{kill_at}", flush=True)

    def _write_while_killing_the_node(self, batch: List[Any]) -> None:
        failure: List[BaseException] = []
        client = self.node.client()

        def write() -> None:
            try:
                self.workload.apply(client, batch)
            except Exception as error:  # the node died under the transaction: its outcome is unknown
                failure.append(error)

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(self.rng.uniform(0, 0.05))
        self.node.kill()
        writer.join(timeout=120)
        if failure or writer.is_alive():
            self.workload.set_aside(batch)
        self.node.restart()

    # -- syncs --------------------------------------------------------------------------------
    def _config(self) -> Dict[str, Any]:
        collection: Dict[str, Any] = {"deletions": {"deletion_mode": "deleted_field", "column": DELETED_COLUMN}}
        if self.settings.page_size is not None:
            collection["page_size"] = self.settings.page_size
        return self.node.config(collection=collection, checkpoint_interval=self.settings.checkpoint_interval)

    def _catalog(self) -> Dict[str, Any]:
        discovered = self.source.discover(self._config())
        streams = [stream for stream in discovered["streams"] if stream["name"] in self.collections]
        if sorted(stream["name"] for stream in streams) != sorted(self.collections):
            raise RuntimeError(f"discover offered {[s['name'] for s in discovered['streams']]}, expected {self.collections}")
        return {
            "streams": [
                {"stream": stream, "sync_mode": "incremental", "destination_sync_mode": "append_dedup", "cursor_field": ["ts"], "primary_key": [["ref"]]}
                for stream in streams
            ]
        }

    def _sync(self, catalog: Dict[str, Any], kills: int, first: bool) -> Tuple[List[int], int]:
        """One sync: attempts until one succeeds, `kills` of them SIGKILLed after a random k-th STATE
        (k from 1 to the STATE count of the last attempt that ran to its end). Returns the repeated
        record versions of each resumed attempt, and the kills not made because an attempt ended first."""
        self.report.syncs += 1
        reads = SyncReads()
        finished = False
        for _ in range(self.settings.attempts_per_sync):
            kill_after = self.rng.randint(1, max(1, self._states_per_attempt)) if kills else None
            kind = self.faults.arm(self.node)
            try:
                attempt = self.source.read(self._config(), catalog, self.platform, self.destination, kill_after, self.settings.attempt_timeout)
            finally:
                self.faults.disarm(self.node)
            self.report.attempts += 1
            outcome = "killed" if attempt.killed else "succeeded" if attempt.succeeded else "timed out" if attempt.timed_out else "failed"
            print(
                f"sync {self.report.syncs} attempt {self.report.attempts}: {outcome} ({kind} faults), {attempt.states} states, "
                f"{attempt.records} records, {attempt.seconds:.0f} s",
                flush=True,
            )
            self.report.records_read += attempt.records
            self.report.secret_hits += attempt.secret_hits
            reads.add_attempt(attempt.versions)
            if attempt.succeeded:
                self._states_per_attempt = max(self.settings.collections, attempt.states)
                finished = True
                break
            if attempt.killed:
                kills -= 1
                if first:
                    self.report.kills_first_sync += 1
                else:
                    self.report.kills_incremental += 1
            else:
                self._record_failure(attempt)
            if self._out_of_time():
                break
        if not finished:
            self.report.unfinished_syncs += 1
        self.report.repeated_per_resume += reads.repeated_per_resume
        return reads.repeated_per_resume, kills

    def _record_failure(self, attempt: Any) -> None:
        if attempt.timed_out:
            self.report.timed_out_attempts += 1
            self.report.failure_messages.append(f"timed out after {attempt.seconds:.0f} s, {attempt.states} states; its last log: {attempt.last_log[:200]}")
            return
        kind = attempt.errors[0].get("failure_type", "none") if attempt.errors else f"exit {attempt.returncode}, no error trace"
        self.report.failed_attempts[kind] += 1
        if attempt.errors:
            self.report.failure_messages.append(f"{kind}: {attempt.errors[0].get('message', '')[:200]}")

    # -- the end ------------------------------------------------------------------------------
    def _compare(self) -> None:
        truth = read_truth(self.node.client(), self.collections)
        comparison = compare(self.destination.live_rows(), truth)
        self.report.documents_in_database = len(truth)
        self.report.missing = len(comparison.missing)
        self.report.stale = len(comparison.stale)
        self.report.phantom = len(comparison.phantom)
        self.report.acknowledged_lost = acknowledged_but_missing(truth, self.workload)
        self.report.uncertain_documents = len(self.workload.uncertain)
        self.report.compared = True


def run_campaign(settings: Settings, keep_dir: Optional[Path] = None) -> Report:
    if keep_dir is not None:
        keep_dir.mkdir(parents=True, exist_ok=True)
        return Campaign(settings, keep_dir).run()
    with tempfile.TemporaryDirectory(prefix="campaign-") as workdir:
        return Campaign(settings, Path(workdir)).run()
