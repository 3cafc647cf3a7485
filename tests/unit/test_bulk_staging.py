"""The bulk import's streaming staging writes exactly the import files the embedded staging store did.

Each registry is validated twice — into a :class:`MemoryStore` whose dump is written to import files (the
staging the bulk import used before), and into :class:`StreamingStaging` — and the files compared line by
line (in any order: the status changes' running numbers aside), with the rejects and the data version.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph_service.domain.model import unresolved_person_key
from graph_service.services.checks.catalog import default_catalog
from graph_service.services.workflow.intake import LoadDoor
from graph_service.services.workflow.state import Policy
from graph_service.store.memory import MemoryStore
from graph_service.store.neo4j.bulk_import import _write
from graph_service.store.neo4j.import_files import ImportFiles
from graph_service.store.neo4j.staging import StreamingStaging
from graph_service.synth import REFERENCE_DATE, generate
from loaders.pipeline import load_v1
from tests.unit.loader_support import ORG_A, ORG_B, PERSON_1, base_dir, write

DOOR = LoadDoor(
    default_catalog(),
    Policy(home_region="430923"),
    "operator",
    dt.datetime.combine(REFERENCE_DATE, dt.time(9), dt.UTC),
)
ROLES = "person_id,org_id,role,title,start_on,end_on,person_name\n"
HOLDINGS = "holder_id,org_id,ratio,subscribed_amount,start_on,end_on,holder_name\n"
# Files whose first column is a running number of this export, not data.
_NUMBERED = {"status_changes.csv": 0, "has_change.csv": 1}

Staged = tuple[dict[str, list[str]], str, int]


def _lines(directory: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(directory.glob("*.csv")):
        lines = path.read_text(encoding="utf-8").splitlines()
        if path.name in _NUMBERED:
            column = _NUMBERED[path.name]
            lines = [",".join(c for i, c in enumerate(line.split(",")) if i != column) for line in lines]
        found[path.name] = sorted(lines)
    return found


def _embedded(registry: Path, out: Path) -> Staged:
    rejects = out.with_suffix(".rejects.csv")
    store = MemoryStore(None)
    assert load_v1(registry, rejects=rejects, door=DOOR)(store).ok
    files = ImportFiles(out)
    for record in store.dump():
        _write(files, record, 0)
    files.close(store.data_version(), 0)
    return _lines(out), rejects.read_text(encoding="utf-8"), store.data_version()


def _streaming(registry: Path, out: Path) -> Staged:
    rejects = out.with_suffix(".rejects.csv")
    files = ImportFiles(out)
    staging = StreamingStaging(files)
    assert load_v1(registry, rejects=rejects, door=DOOR)(staging).ok
    for record in staging.entry_records():
        _write(files, record, 0)
    staging.finish()
    files.close(staging.data_version(), 0)
    return _lines(out), rejects.read_text(encoding="utf-8"), staging.data_version()


def test_streaming_staging_writes_the_files_of_the_embedded_staging(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    generate(registry, orgs=80, seed=7)
    streamed, embedded = _streaming(registry, tmp_path / "a"), _embedded(registry, tmp_path / "b")
    assert streamed[0].keys() == embedded[0].keys()
    differing = [name for name in streamed[0] if streamed[0][name] != embedded[0][name]]
    assert differing == [], differing
    assert streamed[1:] == embedded[1:], (streamed[1:], embedded[1:])
    assert len(streamed[0]["relations.csv"]) > 1 and len(streamed[0]["entries.csv"]) > 1, streamed[0]


def test_a_person_resolved_later_in_the_load_is_written_merged(tmp_path: Path) -> None:
    registry = base_dir(tmp_path / "registry")
    # The name-only manager of ORG_A is resolved by the shareholding row naming her with her full ID; the
    # name-only director of ORG_B stays unresolved.
    write(
        registry,
        "roles.csv",
        ROLES + f",{ORG_A},senior_manager,财务负责人,2014-07-02,2020-01-01,孙七\n,{ORG_B},director,,,,孙七\n",
    )
    write(registry, "shareholdings.csv", HOLDINGS + f"{PERSON_1},{ORG_A},0.4,,2014-07-02,,孙七\n")
    streamed, embedded = _streaming(registry, tmp_path / "a"), _embedded(registry, tmp_path / "b")
    assert streamed == embedded, (streamed, embedded)
    persons = "\n".join(streamed[0]["persons.csv"])
    assert unresolved_person_key(ORG_A, "孙七") not in persons, persons
    assert unresolved_person_key(ORG_B, "孙七") in persons, persons
    relations = streamed[0]["relations.csv"]
    assert sum(line.startswith(f'"{PERSON_1}","{ORG_A}"') for line in relations) == 2, relations
