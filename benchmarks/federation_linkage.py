"""Two counties, before and after pseudonymous person linkage: ``python -m benchmarks.federation_linkage``.

County A (430923) loads a synthetic registry (``graph-service synth --orgs N``: registry, court list,
penalties); county B (430921) holds a registry of the same persons (their ID numbers, names, regions)
and nothing else. B, not cleared for full ID numbers, pulls A's whole feed over A's real HTTP feed
endpoint (an in-process app; the exchange is the real one, signature included), once without federation
keys (``before``: persons masked) and once with them (``after``: persons by pseudonym). Prints, for each,
the events applied and skipped by reason, and the verdicts of a seeded sample of subjects (half named by
A's entries, half A's persons) at A and at B, compared. Writes the table to ``benchmarks/results``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from graph_service.audit import MemoryAuditLog
from graph_service.config import PeerConfig, Settings
from graph_service.domain.model import Person
from graph_service.domain.pseudonyms import Pseudonymiser
from graph_service.federation.client import FeedClient
from graph_service.federation.sync import Backoff, SyncReport, pull
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.checks.models import CheckRequest
from graph_service.services.checks.related_party import run_check
from graph_service.store.memory import MemoryStore
from loaders.pipeline import Format, load

A, B = "430923", "430921"
KEY, SECRET = "k-feed-county-b-0001", "secret-shared-by-a-and-b"
FEDERATION = {"2026a": "federation-key-2026a-of-hunan-xx"}
TODAY = dt.date(2026, 11, 23)
RESULTS = Path(__file__).parent / "results"


def _registry(orgs: int, work: Path) -> Path:
    out = work / "synth"
    cli = str(Path(sys.executable).with_name("graph-service"))
    subprocess.run([cli, "synth", "--orgs", str(orgs), str(out)], check=True, capture_output=True)
    return out


def _county_a(registry: Path, work: Path) -> MemoryStore:
    store = MemoryStore(None)
    sources: tuple[tuple[Path, Format], ...] = (
        (registry, "v1"),
        (registry / "court", "court"),
        (registry / "penalty", "penalty"),
    )
    for source, fmt in sources:
        load(store, source, fmt=fmt, rejects=work / f"a-{fmt}.rejects.csv")
    return store


def _county_b(registry: Path, work: Path) -> MemoryStore:
    persons = work / "b-registry"
    persons.mkdir(exist_ok=True)
    shutil.copy(registry / "persons.csv", persons / "persons.csv")
    store = MemoryStore(None)
    load(store, persons, fmt="v1", rejects=work / "b.rejects.csv")
    return store


@contextmanager
def _feed_of(a: MemoryStore, work: Path, federation: bool) -> Iterator[FeedClient]:
    settings = Settings(
        api_keys={KEY: {"role": "peer", "name": "county-b"}},
        data_dir=work,
        region=A,
        feed_secrets={"county-b": SecretStr(SECRET)},
        rate_limit_per_minute=0,
        federation_keys={k: SecretStr(v) for k, v in FEDERATION.items()} if federation else {},
        federation_key_id="2026a" if federation else None,
    )
    audit = MemoryAuditLog()
    with TestClient(create_app(settings=settings, store=a, audit_log=audit)) as client:

        def forward(request: httpx.Request) -> httpx.Response:
            response: httpx.Response = client.request(
                request.method, request.url.path, params=request.url.params, headers=request.headers
            )
            return response

        config = PeerConfig(
            url="http://county-a.test", api_key=SecretStr(KEY), secret=SecretStr(SECRET), region=A
        )
        yield FeedClient("county-a", config, window_s=300, transport=httpx.MockTransport(forward))
    audit.close()


def _verdicts(a: MemoryStore, b: MemoryStore, size: int) -> Counter[tuple[str, str, str]]:
    entries = a.list_entries(None, limit=1_000_000)
    named = sorted({e.subject_id for e in entries} | {p for e in entries for p in e.responsible_person_ids})
    persons = [s.key for s in a.subjects_after(None, 1_000_000) if isinstance(s, Person) and not s.unresolved]
    person_keys = set(persons)
    rnd = random.Random(1)
    sample = rnd.sample(named, min(size // 2, len(named))) + rnd.sample(persons, size // 2)
    catalog = load_catalog(None)
    seen: Counter[tuple[str, str, str]] = Counter()
    for key in sample[:size]:
        request = CheckRequest(subject_id=key, scenario="bidding")
        at_a = run_check(a, catalog, request, as_of=TODAY, fan_out_limit=200).verdict
        at_b = run_check(b, catalog, request, as_of=TODAY, fan_out_limit=200).verdict
        kind = "person" if key in person_keys or key.startswith("~") else "organisation"
        seen[(kind, str(at_a), str(at_b))] += 1
    return seen


def run(orgs: int, sample: int) -> str:
    """The before/after table (markdown)."""
    lines = [f"# Two counties, synth --orgs {orgs}: B not cleared for full ID numbers pulls A's feed", ""]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        registry = _registry(orgs, work)
        for mode in ("before", "after"):
            a, b = _county_a(registry, work), _county_b(registry, work)
            keys = mode == "after"
            if keys:
                b.use_pseudonymiser(
                    Pseudonymiser(keys={k: v.encode() for k, v in FEDERATION.items()}, current="2026a")
                )
            with _feed_of(a, work / mode, keys) as client:
                report: SyncReport = pull(
                    b, client, home_region=B, limit=200, retries=0, backoff=Backoff(), sleep=lambda _: None
                )
            skipped = ", ".join(f"{k} {v}" for k, v in sorted(report.skipped.items())) or "none"
            lines += [
                f"## {mode} ({'federation keys' if keys else 'no federation keys'})",
                "",
                f"events {report.events}, applied {report.applied}, skipped: {skipped}",
                "",
                "| subject | verdict at A | verdict at B | subjects |",
                "|---|---|---|---|",
            ]
            for (kind, at_a, at_b), n in sorted(_verdicts(a, b, sample).items()):
                lines.append(f"| {kind} | {at_a} | {at_b} | {n} |")
            lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orgs", type=int, default=2000)
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args()
    table = run(args.orgs, args.sample)
    print(table)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"federation-linkage-{args.orgs}-{stamp}.md").write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
