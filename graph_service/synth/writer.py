"""The files a synthetic registry is written to: one CSV writer each, rows streamed straight to disk."""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import _csv

from loaders.formats import court, penalty

V1_HEADERS: dict[str, tuple[str, ...]] = {
    "organizations.csv": ("uscc", "name", "kind", "region", "status", "established_on", "industry"),
    "persons.csv": ("id_number", "name", "region"),
    "roles.csv": ("person_id", "org_id", "role", "title", "start_on", "end_on", "person_name"),
    "shareholdings.csv": (
        "holder_id",
        "org_id",
        "ratio",
        "subscribed_amount",
        "start_on",
        "end_on",
        "holder_name",
        "holder_type",
    ),
    "practitioners.csv": ("person_id", "org_id", "qualification", "certificate_no", "start_on", "end_on"),
    "branches.csv": ("branch_id", "parent_id", "start_on", "end_on"),
    "list_entries.csv": (
        "entry_id",
        "subject_id",
        "list",
        "domain",
        "reason",
        "act_on",
        "decided_on",
        "valid_from",
        "valid_until",
        "initiating_dept",
        "basis",
        "source_region",
        "status",
        "responsible_person_ids",
    ),
}
COURT_FILE = "court/失信被执行人名单.csv"
COURT_HEADERS = (
    court.NAME,
    court.SEX,
    court.AGE,
    court.IDENTIFIER,
    court.LEGAL_REP,
    court.COURT,
    court.PROVINCE,
    court.BASIS,
    court.FILED_ON,
    court.CASE,
    court.BASIS_ISSUER,
    court.OBLIGATION,
    court.PERFORMANCE,
    court.CONDUCT,
    court.PUBLISHED_ON,
)
PENALTY_FILE = "penalty/行政处罚.csv"
PENALTY_HEADERS = (
    penalty.NAME,
    penalty.CATEGORY,
    penalty.USCC,
    penalty.LEGAL_REP,
    penalty.ID_TYPE,
    penalty.ID_NUMBER,
    penalty.DECISION_NO,
    penalty.VIOLATION_TYPE,
    penalty.FACTS,
    penalty.BASIS,
    penalty.PENALTY_TYPE,
    penalty.CONTENT,
    "罚款金额（万元）",  # written with full-width brackets, as published
    penalty.DECIDED_ON,
    penalty.VALID_UNTIL,
    penalty.PUBLISH_UNTIL,
    penalty.AUTHORITY,
    penalty.AUTHORITY_USCC,
    penalty.SOURCE_UNIT,
)

Cell = str | int | float | None


class Files:
    """Open writers for every output file; ``write(name, row)`` appends a row and counts it."""

    def __init__(self, out: Path) -> None:
        self.counts: dict[str, int] = {}
        self._handles: list[IO[str]] = []
        self._writers: dict[str, _csv.Writer] = {}
        headers = {**V1_HEADERS, COURT_FILE: COURT_HEADERS, PENALTY_FILE: PENALTY_HEADERS}
        for name, header in headers.items():
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("w", encoding="utf-8", newline="")
            self._handles.append(handle)
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            self._writers[name] = writer
            self.counts[name] = 0

    def write(self, name: str, row: tuple[Cell, ...]) -> None:
        self._writers[name].writerow(row)
        self.counts[name] += 1

    def close(self) -> None:
        for handle in self._handles:
            handle.close()

    def __enter__(self) -> Files:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
