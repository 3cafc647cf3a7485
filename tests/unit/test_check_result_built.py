"""A check's result is exactly what validating its own dump gives back (no field built off-contract).

``run_check`` builds its result from values already validated (the store's subjects, entries and
relations, the catalog); this proves the built answer equals its validated reconstruction — same values,
same types, same JSON — over a synthetic registry's subjects at depths 2 and 3.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from graph_service.services.checks.catalog import default_catalog
from graph_service.services.checks.models import CheckRequest, CheckResult
from graph_service.services.checks.related_party import run_check
from graph_service.store.memory import MemoryStore
from graph_service.synth import REFERENCE_DATE, generate
from loaders.pipeline import load


def _keys(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row[0] for row in list(csv.reader(handle))[1:]]


def test_check_results_equal_their_validated_reconstruction(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    generate(registry, orgs=300, seed=11)
    subjects = _keys(registry / "organizations.csv") + _keys(registry / "persons.csv")
    chosen = random.Random(11).sample(subjects, 120)
    catalog = default_catalog()
    store = MemoryStore(None)
    try:
        load(store, registry)
        hits = 0
        for depth in (2, 3):
            for subject_id in chosen:
                request = CheckRequest(subject_id=subject_id, scenario="bidding", depth=depth)
                result = run_check(store, catalog, request, as_of=REFERENCE_DATE, fan_out_limit=500)
                rebuilt = CheckResult.model_validate(result.model_dump())
                assert rebuilt == result, subject_id
                assert rebuilt.model_dump_json() == result.model_dump_json(), subject_id
                hits += len(result.hits)
        assert hits > 0  # the sample reaches listed subjects, so hits (paths, entries, measures) are built
    finally:
        store.close()
