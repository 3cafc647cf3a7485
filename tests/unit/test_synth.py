"""The synthetic registry: deterministic by seed, valid identifiers, the structures the checks need."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from graph_service.domain.identifiers import check_id_number, check_uscc
from graph_service.store.memory import MemoryStore
from graph_service.synth import REFERENCE_DATE, generate
from tests.unit.loader_support import run_load

ORGS = 1000


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, orgs=ORGS, seed=7)
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def digest(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*.csv"))
    }


def test_the_same_seed_writes_identical_files_and_another_seed_different_ones(
    registry: Path, tmp_path: Path
) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    counts = generate(again, orgs=ORGS, seed=7)
    generate(other, orgs=ORGS, seed=8)
    assert digest(again) == digest(registry)
    assert digest(other)["organizations.csv"] != digest(registry)["organizations.csv"]
    assert counts["organizations.csv"] == ORGS and counts["persons.csv"] == 2 * ORGS, counts


def test_every_identifier_passes_the_checks_without_warnings(registry: Path) -> None:
    usccs = [r["uscc"] for r in rows(registry / "organizations.csv")]
    ids = [r["id_number"] for r in rows(registry / "persons.csv")]
    assert len(set(usccs)) == ORGS and len(set(ids)) == 2 * ORGS, "identifiers are unique"
    bad = [(u, check_uscc(u)[1]) for u in usccs if check_uscc(u)[1]]
    bad += [(i, check_id_number(i)[1]) for i in ids if check_id_number(i)[1]]
    assert bad == [], bad[:5]
    assert {u[:2] for u in usccs} >= {"91", "92", "12", "52"}, "several registering authorities and kinds"


def test_regions_come_from_a_few_provinces_with_hunan_and_yunfu_counties(registry: Path) -> None:
    regions = Counter(r["uscc"][2:8] for r in rows(registry / "organizations.csv"))
    assert regions["430923"] > ORGS * 0.1, regions.most_common(5)
    assert {code[:2] for code in regions} == {"43", "44", "42"}, regions
    assert any(code.startswith("4453") for code in regions), "云浮 counties"


def test_nominees_front_many_companies_while_most_people_hold_few_roles(registry: Path) -> None:
    roles = rows(registry / "roles.csv")
    legal_reps = Counter(r["person_id"] for r in roles if r["role"] == "legal_representative")
    per_person = Counter(r["person_id"] for r in roles)
    assert legal_reps.most_common(1)[0][1] >= 10, legal_reps.most_common(3)
    assert 1.0 <= sum(per_person.values()) / len(per_person) <= 3.0, len(per_person)
    key_people = Counter(r["org_id"] for r in roles if not r["end_on"])
    assert min(key_people.values()) >= 1 and max(key_people.values()) <= 6, key_people.most_common(1)


def test_every_organisation_has_a_legal_representative_and_changes_leave_no_gap(registry: Path) -> None:
    spells: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in rows(registry / "roles.csv"):
        if r["role"] == "legal_representative":
            spells[r["org_id"]].append((r["start_on"], r["end_on"]))
    assert len(spells) == ORGS
    changed = [s for s in spells.values() if len(s) == 2]
    assert changed, "some legal representatives change over time"
    assert all(s[0][1] == s[1][0] for s in changed), "the successor starts the day the predecessor ends"


def test_shareholdings_include_chains_diamonds_cycles_and_name_only_holders(registry: Path) -> None:
    holdings = rows(registry / "shareholdings.csv")
    owners: dict[str, set[str]] = defaultdict(set)
    for h in holdings:
        if h["holder_type"] == "organization":
            owners[h["org_id"]].add(h["holder_id"])
    orgs = [r["uscc"] for r in rows(registry / "organizations.csv")]
    a, b, c, d = orgs[0:4]
    assert owners[b] == {a} and owners[c] == {a, b} and owners[d] == {c}, "chain a->b->c->d, diamond a->c"
    assert d in owners[a], "cycle: d holds a"
    assert any(h["holder_id"] == "非公示项" and h["holder_name"] for h in holdings)
    assert any(not h["ratio"] and h["subscribed_amount"] for h in holdings), "some ratios must be derived"


def test_list_entries_have_realistic_shares_and_responsible_key_people(registry: Path) -> None:
    entries = rows(registry / "list_entries.csv")
    org_entries = [e for e in entries if not e["subject_id"][:17].isdigit()]
    kinds = Counter(e["list"] for e in org_entries)
    assert 0.005 * ORGS <= kinds["black"] <= 0.04 * ORGS and kinds["red"] > kinds["watch"], kinds
    assert any(e["subject_id"][:17].isdigit() and e["domain"] == "court_enforcement" for e in entries)
    statuses = Counter(e["status"] for e in entries)
    assert statuses["active"] > len(entries) * 0.8, statuses
    current = sum(1 for e in entries if dt.date.fromisoformat(e["valid_until"]) >= REFERENCE_DATE)
    assert len(entries) * 0.5 < current < len(entries), "mostly current, some expired"
    roles = rows(registry / "roles.csv")
    for entry in (e for e in entries if e["responsible_person_ids"]):
        act = entry["act_on"]
        held = {
            r["person_id"]
            for r in roles
            if r["org_id"] == entry["subject_id"]
            and r["start_on"] <= act
            and (not r["end_on"] or act < r["end_on"])
        }
        assert set(entry["responsible_person_ids"].split(";")) <= held, entry


def test_no_date_lies_after_the_reference_date(registry: Path) -> None:
    latest = max(
        r[column]
        for name in ("organizations.csv", "roles.csv", "list_entries.csv")
        for r in rows(registry / name)
        for column in ("established_on", "start_on", "decided_on")
        if r.get(column)
    )
    assert latest <= REFERENCE_DATE.isoformat(), latest


def test_the_registry_and_its_public_samples_load_without_rejects(registry: Path, tmp_path: Path) -> None:
    store = MemoryStore(None)
    loaded = run_load(store, registry, tmp_path)
    assert loaded.rejects == [] and loaded.warnings == [], (loaded.rejects[:3], loaded.warnings[:3])
    assert loaded.report.notes == [], "court/ and penalty/ are directories, not stray files"
    court = run_load(store, registry / "court", tmp_path, fmt="court")
    penalty = run_load(store, registry / "penalty", tmp_path, fmt="penalty")
    assert court.rejects == [] and penalty.rejects == [], (court.rejects[:3], penalty.rejects[:3])
    assert court.report.read > 0 and penalty.report.read > 0
    names = [w for w in court.warnings if w["reason"].startswith("unresolved name")]
    assert len(names) < court.report.read * 0.2, names


def test_the_synth_command_writes_the_files_and_prints_their_row_counts(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graph_service.cli.main import app

    result = CliRunner().invoke(app, ["synth", "--orgs", "50", "--seed", "3", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "organizations.csv" in result.output and "100" in result.output, result.output
    assert len(rows(tmp_path / "out" / "organizations.csv")) == 50
