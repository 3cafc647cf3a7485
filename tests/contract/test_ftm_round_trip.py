"""FollowTheMoney out and in: a seeded store exported as FtM, validated by ``followthemoney`` itself,
loaded into a fresh embedded store, gives the same check verdicts (and exports the same entities).

The seeded store is ``examples/v1`` plus a 120-organisation synthetic registry, loaded into the backend
under test; the fresh store is always the embedded one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any, cast

import pytest
from followthemoney import model
from followthemoney.schema import ValidationData

from graph_service.domain.measures import Scenario
from graph_service.services.checks.catalog import load_catalog
from graph_service.services.checks.models import CheckRequest
from graph_service.services.checks.related_party import run_check
from graph_service.services.explore import ftm
from graph_service.store.base import GraphStore
from graph_service.store.memory import MemoryStore
from graph_service.synth import REFERENCE_DATE, generate
from loaders.pipeline import load

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "v1"
DAY = dt.date(2025, 6, 1)
SCENARIOS = (Scenario.PUBLIC_PROCUREMENT, Scenario.HONORS, Scenario.HIGH_CONSUMPTION)


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, orgs=120, seed=7)
    return out


def _seed(store: GraphStore, synth_dir: Path) -> None:
    for source in (EXAMPLES, synth_dir):
        report = load(store, source)
        assert report.failure is None and report.rejected == 0, (source, report.failure, report.rejected)


def _export(store: GraphStore) -> list[dict[str, Any]]:
    return [json.loads(ftm.json_line(e)) for e in ftm.store_entities(store, page_size=50)]


def _verdicts(store: GraphStore, keys: list[str], day: dt.date) -> dict[tuple[str, str], Any]:
    catalog = load_catalog(None)
    found = {}
    for key in keys:
        for scenario in SCENARIOS:
            request = CheckRequest(subject_id=key, scenario=scenario, depth=2, as_of=day)
            result = run_check(store, catalog, request, as_of=day, fan_out_limit=10_000)
            hits = sorted((h.subject_id, *sorted(e.entry_id for e in h.entries)) for h in result.hits)
            found[key, scenario.value] = (result.verdict, hits)
    return found


def test_every_exported_entity_passes_its_ftm_schema_and_every_reference_resolves(
    store: GraphStore, synth_dir: Path
) -> None:
    _seed(store, synth_dir)

    entities = _export(store)

    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities), "entity ids repeat"
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None, data
        assert schema.validate(cast(ValidationData, data)) is None, data
        proxy = model.get_proxy(data, cleaned=False)
        assert all(proxy.get(p) for p in schema.required), data
        assert proxy.to_dict()["properties"] == data["properties"], data  # nothing FtM would clean away
        for prop, values in data["properties"].items():
            if schema.properties[prop].type.name == "entity":
                assert set(values) <= ids, (data, prop)
    schemas = Counter(e["schema"] for e in entities)
    assert {"Company", "Person", "Directorship", "Ownership", "Sanction"} <= set(schemas), schemas
    owning = [e for e in entities if e["schema"] == "Ownership"]
    assert all(0 < float(e["properties"]["percentage"][0]) <= 100 for e in owning[:20]), owning[:3]
    sanction = next(e for e in entities if e["properties"].get("recordId") == ["430923-B-2025-0001"])
    assert (sanction["properties"]["program"], sanction["properties"]["status"]) == (
        ["black/construction"], ["active"]
    ), sanction  # fmt: skip
    assert (sanction["properties"]["listingDate"], sanction["properties"]["endDate"]) == (
        ["2025-01-15"], ["2028-01-14"]
    ), sanction  # fmt: skip


def test_an_ftm_round_trip_gives_the_same_verdicts_and_the_same_entities(
    store: GraphStore, synth_dir: Path, tmp_path: Path
) -> None:
    _seed(store, synth_dir)
    exported = _export(store)
    source = tmp_path / "in" / "graph.ftm.json"
    source.parent.mkdir()
    source.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in exported), encoding="utf-8")
    fresh = MemoryStore(None)
    try:
        report = load(fresh, source.parent, fmt="ftm", rejects=tmp_path / "rejects.csv")

        assert report.failure is None and report.rejected == 0, (report.failure, report.rejected)
        assert sorted(map(json.dumps, _export(fresh))) == sorted(map(json.dumps, exported))
        keys = [s.key for s in store.subjects_after(None, 10_000)]
        for day in (DAY, REFERENCE_DATE):
            before, after = _verdicts(store, keys, day), _verdicts(fresh, keys, day)
            differ = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            assert not differ, list(differ.items())[:5]
        verdicts = Counter(v for v, _ in _verdicts(store, keys, DAY).values())
        assert verdicts["block"] > 0 and verdicts["pass"] > 0, verdicts
    finally:
        fresh.close()
