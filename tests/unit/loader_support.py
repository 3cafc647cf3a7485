"""Helpers for the loader tests: write small source files, run a load, read back rejects and warnings."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_service.store.base import GraphStore
from loaders.pipeline import Format, load
from loaders.report import LoadReport
from tests.factories import make_id_number, make_uscc

# Born 1995 in 安化县 (430923 exists since 1994): valid IDs that raise no place-of-registration warning.
BORN = "19950101"
ORG_A = make_uscc(1)
ORG_B = make_uscc(2)
ORG_C = make_uscc(3)
PERSON_1 = make_id_number(1, birth=BORN)
PERSON_2 = make_id_number(2, birth=BORN)
PERSON_3 = make_id_number(3, birth=BORN)

ORGS_CSV = (
    f"uscc,name\n{ORG_A},安化县甲茶业有限公司\n{ORG_B},安化县乙建筑有限公司\n{ORG_C},安化县丙物流有限公司\n"
)
PERSONS_CSV = f"id_number,name\n{PERSON_1},张三\n{PERSON_2},李四\n{PERSON_3},王五\n"


def write(directory: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``directory/name`` in ``encoding`` (``utf-8-sig`` writes a BOM)."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def read_issues(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass
class Loaded:
    """A load's report with its rejects and warnings as rows."""

    report: LoadReport
    rejects: list[dict[str, str]]
    warnings: list[dict[str, str]]

    def file(self, name: str) -> Any:
        return next(f for f in self.report.files if f.file == name)

    def reasons(self, file: str | None = None) -> list[str]:
        return [r["reason"] for r in self.rejects if file is None or r["file"] == file]


def run_load(store: GraphStore, source: Path, issues_dir: Path, *, fmt: Format = "v1", **kw: Any) -> Loaded:
    """Load ``source`` into ``store`` writing rejects/warnings under ``issues_dir``."""
    rejects = issues_dir / "rejects.csv"
    warnings = issues_dir / "warnings.csv"
    report = load(store, source, fmt=fmt, rejects=rejects, warnings=warnings, **kw)
    return Loaded(report, read_issues(rejects), read_issues(warnings))


def base_dir(directory: Path) -> Path:
    """A v1 directory with three organisations and three persons."""
    write(directory, "organizations.csv", ORGS_CSV)
    write(directory, "persons.csv", PERSONS_CSV)
    return directory
