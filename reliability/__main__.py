"""`python -m reliability [--seed N --documents N --fault-rate P --kills N ...]`: runs the campaign and
prints its figures; exits 1 if anything was lost or leaked, or a sync never finished."""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from pathlib import Path
from typing import List, Optional

from reliability.campaign import Report, Settings, run_campaign


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="python -m reliability", description=__doc__)
    parser.add_argument("--seed", type=int, default=defaults.seed, help="decides data, writes, kill points and fault draws")
    parser.add_argument("--documents", type=int, default=defaults.documents, help="documents seeded before the first sync")
    parser.add_argument("--collections", type=int, default=defaults.collections)
    parser.add_argument("--rounds", type=int, default=defaults.rounds, help="rounds of writes, each followed by an incremental sync")
    parser.add_argument("--writes-per-round", type=int, default=defaults.writes_per_round, help="creates, updates and deletes per round")
    parser.add_argument("--fault-rate", type=float, default=defaults.fault_rate, help="probability that a query request of a sync gets a fault")
    parser.add_argument("--stall-seconds", type=float, default=defaults.stall_seconds, help="how long a stall fault holds a request")
    parser.add_argument("--kills", type=int, default=defaults.kills, help="connector kills during the first sync")
    parser.add_argument("--incremental-kills", type=int, default=defaults.incremental_kills, help="connector kills spread over the incremental syncs")
    parser.add_argument("--no-node-kills", dest="node_kills", action="store_false", help="do not kill the node during writes")
    parser.add_argument("--page-size", type=int, default=None, help="the connector's page_size (default: the connector's own)")
    parser.add_argument("--checkpoint-interval", default=defaults.checkpoint_interval)
    parser.add_argument("--attempts-per-sync", type=int, default=defaults.attempts_per_sync)
    parser.add_argument("--attempt-timeout", type=float, default=defaults.attempt_timeout, help="seconds before an attempt is killed as hung")
    parser.add_argument("--time-limit", type=float, default=defaults.time_limit, help="seconds after which no new sync or attempt starts")
    parser.add_argument("--keep-dir", type=Path, default=None, help="keep the node's data, the config/state files and stderr here")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(**{setting.name: getattr(args, setting.name) for setting in fields(Settings)})


def print_report(report: Report) -> None:
    s = report.settings
    print(
        f"campaign: seed {s.seed}, {s.documents} documents in {s.collections} collections, {s.rounds} rounds of "
        f"{s.writes_per_round} writes, fault rate {s.fault_rate}, page_size {s.page_size or 'default'}"
    )
    faults = " ".join(f"{kind}={count}" for kind, count in report.faults.items())
    print(f"faults injected:        {sum(report.faults.values())} ({faults}) in {report.sync_requests} query requests of the syncs")
    failed = ", ".join(f"{kind} {count}" for kind, count in sorted(report.failed_attempts.items())) or "none"
    print(f"syncs:                  {report.syncs} ({report.attempts} attempts; failed attempts by the type of their first error trace: {failed}; timed out {report.timed_out_attempts}; unfinished syncs {report.unfinished_syncs})")
    print(f"connector kills:        {report.kills_first_sync + report.kills_incremental} (first sync {report.kills_first_sync} of {s.kills}, incremental syncs {report.kills_incremental}; not made, the last sync ended first: {report.kills_not_made})")
    print(f"node kills (writes):    {report.node_kills} (documents of batches cut short, outcome unknown: {report.uncertain_documents})")
    print(f"records read:           {report.records_read}; documents in the database at the end: {report.documents_in_database}")
    if report.compared:
        unfinished = " (a sync did not finish: what it had not delivered counts as lost)" if report.unfinished_syncs else ""
        print(f"records lost:           {report.lost} (missing {report.missing}, stale version {report.stale}); deleted but still in the destination: {report.phantom}{unfinished}")
        print(f"acknowledged writes the node lost: {report.acknowledged_lost}")
    else:
        print("records lost:           not compared: the campaign stopped before its end")
    first = report.repeated_first_sync
    print("duplicates per resume (record versions an earlier attempt of the sync had read):")
    print(f"                        first sync {first or '-'} (max {max(first, default=0)})")
    later = report.repeated_per_resume[len(first):]
    print(f"                        incremental syncs {later or '-'} (max {max(later, default=0)})")
    print(f"secrets found in output: {report.secret_hits}")
    for message in report.failure_messages[:10]:
        print(f"  failed attempt: {message}")
    if report.stopped_early:
        print(f"stopped early: {report.stopped_early}")
    print(f"run time:               {report.seconds:.0f} s")


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    report = run_campaign(settings_from(args), args.keep_dir)
    print_report(report)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
