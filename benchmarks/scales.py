"""The named scales a benchmark runs at: registry size and how much load each measurement puts on it."""

from __future__ import annotations

from dataclasses import dataclass

SEED = 20261123


@dataclass(frozen=True)
class Scale:
    """One benchmark size: organisations generated, checks sampled, throughput seconds, batch size."""

    name: str
    orgs: int
    checks: int
    throughput_s: float
    batch: int
    parity_sample: int
    #: Organisations of the registry (another seed) loaded by upserts into the loaded Neo4j graph at the
    #: end of a run: the incremental upserts the issue sets a target for (a warm server, a graph in place).
    increment: int = 10_000


SCALES: dict[str, Scale] = {
    # The smoke scale keeps the runner exercised by the test suite in seconds; its numbers mean nothing.
    "smoke": Scale(
        "smoke", orgs=300, checks=40, throughput_s=2.0, batch=100, parity_sample=40, increment=100
    ),
    "10k": Scale("10k", orgs=10_000, checks=1_000, throughput_s=30.0, batch=10_000, parity_sample=200),
    "100k": Scale("100k", orgs=100_000, checks=1_000, throughput_s=30.0, batch=10_000, parity_sample=200),
    "1m": Scale("1m", orgs=1_000_000, checks=1_000, throughput_s=30.0, batch=10_000, parity_sample=200),
}
