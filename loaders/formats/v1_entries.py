"""Format v1 ``list_entries.csv``: red, black and watch list decisions on subjects."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import ClassVar

from graph_service.domain.identifiers import is_uscc_shaped, normalise, region_of_uscc
from graph_service.domain.labels_zh import (
    DOMAIN_NAMES_ZH,
    LIST_NAMES_ZH,
    STATUS_NAMES_ZH,
    accepted,
    code_of,
)
from graph_service.domain.model import (
    CreditDomain,
    EntryStatus,
    ListEntry,
    ListKind,
    Subject,
    is_unresolved_key,
)
from loaders.cells import Cells, Problem, build, present
from loaders.formats.v1_headers import aliases_zh
from loaders.report import FileReport
from loaders.resolution import resolved_key
from loaders.run import FileKind, FirstSeen, Parsed, Run, first_rows_only

_SEPARATORS = re.compile(r"[;；,，、\s]+")
# Cells that take an English code or its Chinese name (graph_service/domain/labels_zh.py).
_CODED: tuple[tuple[str, type[StrEnum], Mapping[str, StrEnum]], ...] = (
    ("list", ListKind, LIST_NAMES_ZH),
    ("domain", CreditDomain, DOMAIN_NAMES_ZH),
    ("status", EntryStatus, STATUS_NAMES_ZH),
)


def subject_region(key: str, stored: Subject | None) -> str | None:
    """A subject's region: the stored one, else what its key implies (an unresolved person: its org's)."""
    if stored is not None and stored.region is not None:
        return stored.region
    if is_unresolved_key(key):
        return region_of_uscc(key.split("~")[1])
    return region_of_uscc(key) if is_uscc_shaped(key) else key[:6]


class ListEntries(FileKind[ListEntry]):
    """``list_entries.csv``: one list decision per row; the subject and responsible persons must exist."""

    kind = "list_entries"
    required = ("entry_id", "subject_id", "list", "domain", "decided_on", "initiating_dept")
    optional = (
        "reason",
        "act_on",
        "valid_from",
        "valid_until",
        "basis",
        "source_region",
        "status",
        "responsible_person_ids",
    )
    aliases: ClassVar[Mapping[str, str]] = aliases_zh(required + optional)

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._seen = FirstSeen()

    def parse(self, cells: Cells) -> ListEntry:
        for column in self.required:
            cells.required(column)
        fields: dict[str, object] = {
            k: cells.text(k)
            for k in (
                "entry_id",
                "list",
                "domain",
                "reason",
                "initiating_dept",
                "basis",
                "source_region",
                "status",
            )
        }
        for column, codes, names in _CODED:
            value = cells.text(column)
            if value is not None:
                code = code_of(value, codes, names)
                if code is None:
                    cells.problem(column, f"{column} must be one of {accepted(codes, names)}")
                else:
                    fields[column] = code
        subject = cells.text("subject_id")
        fields["subject_id"] = (
            subject if subject is None or is_unresolved_key(subject) else normalise(subject)
        )
        for column in ("act_on", "decided_on", "valid_from", "valid_until"):
            fields[column] = cells.date(column)
        responsible = cells.text("responsible_person_ids")
        if responsible is not None:
            fields["responsible_person_ids"] = tuple(p for p in _SEPARATORS.split(responsible) if p)
        entry = build(ListEntry, present(fields), cells, {})
        cells.reject_if_problems()
        assert entry is not None
        return entry

    def write(self, batch: list[Parsed[ListEntry]], run: Run, report: FileReport) -> None:
        items = [self._rewrite(run, item) for item in batch]
        items = first_rows_only(self._seen, items, lambda e: e.entry_id, "entry_id", run, report)
        missing = run.unknown(
            k for item in items for k in (item.value.subject_id, *item.value.responsible_person_ids)
        )
        kept: list[Parsed[ListEntry]] = []
        for item in items:
            problems = self._missing_problems(item, missing)
            if problems:
                run.reject(report, item.line, problems)
            else:
                kept.append(item)
        kept = self._with_source_region(run, kept)
        written = run.admit(report, kept, lambda entry: entry, "entry_id")
        run.touched_entries.update(p.value.entry_id for p in written)

    @staticmethod
    def _rewrite(run: Run, item: Parsed[ListEntry]) -> Parsed[ListEntry]:
        entry = item.value
        subject = resolved_key(run, entry.subject_id)
        responsible = tuple(dict.fromkeys(resolved_key(run, p) for p in entry.responsible_person_ids))
        if subject == entry.subject_id and responsible == entry.responsible_person_ids:
            return item
        update = {"subject_id": subject, "responsible_person_ids": responsible}
        return Parsed(item.line, item.row, entry.model_copy(update=update))

    @staticmethod
    def _missing_problems(item: Parsed[ListEntry], missing: set[str]) -> list[Problem]:
        entry = item.value
        problems = []
        if entry.subject_id in missing:
            reason = f"subject_id {entry.subject_id} is not a subject of this load or the store"
            problems.append(Problem("subject_id", item.row.get("subject_id", ""), reason))
        for person in entry.responsible_person_ids:
            if person in missing:
                reason = f"responsible person {person} is not a person of this load or the store"
                problems.append(Problem("responsible_person_ids", person, reason))
        return problems

    @staticmethod
    def _with_source_region(run: Run, items: Sequence[Parsed[ListEntry]]) -> list[Parsed[ListEntry]]:
        """Fill an empty ``source_region`` with the loading county's home region (Settings ``region``).

        A department's export is this county's decisions: where the subject is registered says nothing
        about who decided. A stored entry keeps its region whatever a row says (the lifecycle never
        rewrites it).
        """
        home = run.door.policy.home_region
        if home is None:
            return list(items)
        out: list[Parsed[ListEntry]] = []
        for item in items:
            entry = item.value
            if entry.source_region is None:
                entry = entry.model_copy(update={"source_region": home})
            out.append(Parsed(item.line, item.row, entry))
        return out
