"""`graph-service neo4j import`: a bulk first load gives the graph and the checks an ordinary load gives.

One real Neo4j in a home under tmp_path (a free port from 7699 up, as tests/e2e/test_launcher.py picks
them); the same small synthetic registry is loaded into an embedded store through the ordinary pipeline
for comparison. Slow (two server starts and the importer's JVM), hence the ``slow`` mark.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.workload import sample_subjects
from graph_service.domain.workflow import TaskFilter
from graph_service.errors import Conflict
from graph_service.neo4j_local import LaunchOptions, LocalNeo4j, PrerequisiteMissing
from graph_service.neo4j_local.bolt import bolt_answers, port_is_free
from graph_service.neo4j_local.prereqs import find_java, has_jars
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.checks.models import CheckRequest
from graph_service.services.checks.related_party import run_check
from graph_service.services.workflow.intake import LoadDoor
from graph_service.services.workflow.state import Policy
from graph_service.store.memory import MemoryStore
from graph_service.store.neo4j import Neo4jStore
from graph_service.store.neo4j.bulk_import import bulk_import
from graph_service.synth import REFERENCE_DATE, generate
from loaders.pipeline import load, load_v1
from tests._neo4j import SHARED_LIB, skip_or_fail
from tests.factories import make_org

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

PASSWORD = "bulk-import-test-pw"


def _free_port(first: int = 7699, last: int = 7799) -> int:
    for port in range(first, last + 1):
        if port_is_free(port) and not bolt_answers(port, timeout_s=0.2):
            return port
    raise AssertionError(f"no free port in {first}..{last}")


@pytest.fixture
def options(tmp_path: Path) -> Iterator[LaunchOptions]:
    try:
        find_java("java")
    except PrerequisiteMissing as exc:
        skip_or_fail(exc.detail)
    if not has_jars(SHARED_LIB):
        skip_or_fail(f"no Neo4j jars in {SHARED_LIB} (run `make test` or `graph-service neo4j start` once)")
    chosen = LaunchOptions(
        home=tmp_path / "home",
        lib_dir=SHARED_LIB,
        bolt_port=_free_port(),
        heap="256m",
        pagecache="64m",
        password=PASSWORD,
    )
    yield chosen
    LocalNeo4j(chosen).stop()


def test_a_bulk_import_answers_every_check_as_an_ordinary_load_does(
    options: LaunchOptions, tmp_path: Path
) -> None:
    registry = tmp_path / "registry"
    generate(registry, orgs=80, seed=7)
    reference = MemoryStore(None)
    # The day of the synthetic registry: its entries are in force, so the lifecycle gives them tasks.
    at = dt.datetime.combine(REFERENCE_DATE, dt.time(9), dt.UTC)
    door = LoadDoor(default_catalog(), Policy(home_region="430923"), "operator", at)
    assert load(reference, registry, door=door).ok

    validate = load_v1(registry, rejects=tmp_path / "rejects.csv", door=door)
    report = bulk_import(validate, options, tmp_path / "files")

    assert report.load.ok and report.load.rejected == 0, report.load
    assert set(report.phases) == {"check", "validate", "write_files", "import", "start", "schema"}, (
        report.phases
    )
    assert not (tmp_path / "files").exists(), "import files are removed unless kept"
    catalog = default_catalog()
    with Neo4jStore(options.bolt_uri, "neo4j", PASSWORD) as imported:
        assert imported.counts() == reference.counts(), (imported.counts(), reference.counts())
        assert imported.data_version() == report.data_version > 0, report.data_version
        # The loaded entries went through the lifecycle: their implementation tasks come along.
        tasks = reference.get_tasks(TaskFilter())
        assert tasks and imported.get_tasks(TaskFilter()) == tasks, len(tasks)
        subjects = sample_subjects(registry, 60, seed=3)
        differing = []
        for subject_id in subjects:
            request = CheckRequest(subject_id=subject_id, scenario="bidding", depth=3, as_of=REFERENCE_DATE)
            ours, theirs = (
                run_check(store, catalog, request, as_of=REFERENCE_DATE, fan_out_limit=200).model_dump(
                    exclude={"check_id", "data_version"}
                )
                for store in (imported, reference)
            )
            if ours != theirs:
                differing.append(subject_id)
        assert len(subjects) == 60 and differing == [], differing


def test_a_bulk_import_into_a_database_that_holds_data_is_refused(
    options: LaunchOptions, tmp_path: Path
) -> None:
    LocalNeo4j(options).start()
    with Neo4jStore(options.bolt_uri, "neo4j", PASSWORD) as store:
        store.upsert_organizations([make_org(1)])
    registry = tmp_path / "registry"
    generate(registry, orgs=10, seed=1)

    with pytest.raises(Conflict, match="only allowed into an empty one"):
        bulk_import(load_v1(registry), options, tmp_path / "files")

    with Neo4jStore(options.bolt_uri, "neo4j", PASSWORD) as store:
        assert store.counts()["organizations"] == 1, store.counts()
