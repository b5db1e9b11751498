"""Syncing 10,000 contacts to the marketing system, against the service's own floor.

    make bench        # or: .venv/bin/python bench/activation.py

The sync is the activation's sending side as a run calls it (activation.sync.sync_contacts): the
changes worked out against the sent state in a DuckDB file, written to a dlt load package, sent
in batches of 100 through the dlt custom destination, each batch recorded in the state table. The
floor is the same upserts posted by one plain loop: one `requests` session, 100 contacts a
request, nothing recorded. Each runs against a fresh service of its own (simulated, on loopback,
no rate limit), and requests are counted at the service. Then 1% of the contacts change, and the
sync that sends only them is set against the loop that posts just those.

The contacts are synthetic segment members, shaped as customer_segments' rows become contacts.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dlt
import requests

from activation.changes import Contact
from activation.marketing_client import MAX_BATCH, MarketingClient
from activation.sent_state import SentState
from activation.sync import sync_contacts
from simulator.marketing_loopback import LoopbackMarketingService

CONTACTS = 10_000
CHANGED = 100
REPEATS = 3
TIERS = ("low", "medium", "high")


def contacts(count: int, changed: int = 0) -> list[Contact]:
    """`count` segment members; the first `changed` with a new lifetime value."""
    return [
        Contact.of(
            f"{i:08d}-0000-4000-8000-000000000000",
            {
                "customer_name": f"Customer {i}",
                "customer_type": "returning" if i % 3 else "new",
                "lifetime_orders": 1 + i % 9,
                "lifetime_value": round(20 + (i % 400) * 0.57 + (5 if i < changed else 0), 2),
                "value_tier": TIERS[i % 3],
                "last_order_date": f"2018-10-{1 + i % 30:02d}",
                "is_lapsed": i % 7 == 0,
                "segments": ["vip"] if i % 3 == 2 else ["welcome"],
            },
        )
        for i in range(count)
    ]


def api_requests(service: LoopbackMarketingService) -> int:
    return sum(n for kind, n in service.stats()["requests"].items() if kind != "admin")


class SyncBench:
    """A fresh service and a fresh sent state, synced by the activation's code."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.service = LoopbackMarketingService(folder / "service").start()
        self.runs = 0

    def sync(self, members: list[Contact]) -> float:
        self.runs += 1
        state_pipeline = dlt.pipeline(
            "state",
            destination=dlt.destinations.duckdb(str(self.folder / "warehouse.duckdb")),
            dataset_name="activation",
            pipelines_dir=str(self.folder / "dlt"),
        )
        started = time.perf_counter()
        with (
            state_pipeline.sql_client() as client,
            MarketingClient(self.service.url, self.service.token) as api,
        ):
            sync_contacts(members, api, SentState(client), f"run-{self.runs}", self.folder / "dlt")
        return time.perf_counter() - started


def plain_loop(service: LoopbackMarketingService, members: list[Contact]) -> float:
    started = time.perf_counter()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {service.token}"
        for start in range(0, len(members), MAX_BATCH):
            batch = [
                {"key": c.key, "properties": c.properties}
                for c in members[start : start + MAX_BATCH]
            ]
            session.post(
                f"{service.url}/v1/contacts/batch/upsert", json={"contacts": batch}, timeout=30
            ).raise_for_status()
    return time.perf_counter() - started


def measured(work: Callable[[Path], tuple[float, int]]) -> tuple[float, int]:
    """The median time of REPEATS runs of `work` in fresh folders, and its requests."""
    results = []
    for _ in range(REPEATS):
        with tempfile.TemporaryDirectory(prefix="bench-activation-") as folder:
            results.append(work(Path(folder)))
    return statistics.median(t for t, _ in results), results[0][1]


def main() -> dict[str, float]:
    members, changed = contacts(CONTACTS), contacts(CONTACTS, CHANGED)
    delta = changed[:CHANGED]

    def full_sync(folder: Path) -> tuple[float, int]:
        bench = SyncBench(folder)
        try:
            seconds = bench.sync(members)
            sent = api_requests(bench.service)
            assert bench.service.contacts() == {c.key: c.properties for c in members}
            return seconds, sent
        finally:
            bench.service.stop()

    def incremental_sync(folder: Path) -> tuple[float, int]:
        bench = SyncBench(folder)
        try:
            bench.sync(members)
            before = api_requests(bench.service)
            seconds = bench.sync(changed)
            return seconds, api_requests(bench.service) - before
        finally:
            bench.service.stop()

    def floor(batch: list[Contact], preload: list[Contact] | None = None):
        def work(folder: Path) -> tuple[float, int]:
            service = LoopbackMarketingService(folder / "service").start()
            try:
                if preload:
                    plain_loop(service, preload)
                before = api_requests(service)
                seconds = plain_loop(service, batch)
                return seconds, api_requests(service) - before
            finally:
                service.stop()

        return work

    rows = [
        (f"{CONTACTS:,} new contacts", measured(full_sync), measured(floor(members))),
        (
            f"{CHANGED} of {CONTACTS:,} changed",
            measured(incremental_sync),
            measured(floor(delta, preload=members)),
        ),
    ]
    print(f"activation: syncing to the marketing service on loopback, medians of {REPEATS}")
    print(
        f"| {'sync':<24} | {'activation':>10} | {'requests':>8} | {'plain loop':>10} "
        f"| {'requests':>8} | {'ratio':>6} |"
    )
    print(f"|{'-' * 26}|{'-' * 12}|{'-' * 10}|{'-' * 12}|{'-' * 10}|{'-' * 8}|")
    ratios = {}
    for name, (sync_s, sync_requests), (loop_s, loop_requests) in rows:
        ratio = sync_s / loop_s
        ratios[f"activation, {name}: sync / plain loop"] = ratio
        print(
            f"| {name:<24} | {sync_s:>8.2f} s | {sync_requests:>8} | {loop_s:>8.2f} s "
            f"| {loop_requests:>8} | {ratio:>5.1f}x |"
        )
    return ratios


if __name__ == "__main__":
    main()
