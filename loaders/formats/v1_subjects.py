"""Format v1 subjects: ``organizations.csv`` and ``persons.csv``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from graph_service.domain.model import Organization, Person, UpsertCounts, unresolved_person_key
from loaders import clean, rows
from loaders.cells import Cells, Problem, build, is_withheld, person_ref, present
from loaders.csvio import Row
from loaders.formats.v1_headers import aliases_zh
from loaders.memo import IdentifierMemo
from loaders.report import FileReport
from loaders.resolution import resolve_candidates
from loaders.run import FileKind, FirstSeen, Parsed, Run, first_rows_only


class Organizations(FileKind[Organization]):
    """``organizations.csv``: one organisation per row, keyed by USCC."""

    kind = "organizations"
    required = ("uscc", "name")
    optional = ("kind", "region", "status", "established_on", "industry")
    aliases: ClassVar[Mapping[str, str]] = aliases_zh(required + optional)

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._seen = FirstSeen()

    def parse_clean(self, row: Row, line: int, ids: IdentifierMemo, today: dt.date) -> Organization | None:
        get = row.get
        uscc, name, established_text = get("uscc"), get("name"), get("established_on")
        if uscc is None or name is None or (code := ids.clean_uscc(uscc)) is None:
            return None
        established = None
        if established_text is not None and (established := clean.date(ids, established_text)) is None:
            return None
        data = {
            "uscc": code,
            "name": name,
            "kind": get("kind"),
            "region": get("region"),
            "status": get("status"),
            "industry": get("industry"),
            "established_on": established,
        }
        return rows.organization(present(data), ids)

    def parse(self, cells: Cells) -> Organization:
        # Checked here as well as in the model: the model drops the organisation-code warning.
        uscc = cells.uscc("uscc") or cells.text("uscc")
        cells.required("name")
        data: dict[str, Any] = {k: cells.text(k) for k in ("name", "kind", "region", "status", "industry")}
        data["established_on"] = cells.date("established_on")
        org = build(Organization, present({"uscc": uscc, **data}), cells, {})
        cells.reject_if_problems()
        assert org is not None
        return org

    def write(self, batch: list[Parsed[Organization]], run: Run, report: FileReport) -> None:
        rows = first_rows_only(self._seen, batch, lambda o: o.uscc, "uscc", run, report)
        written = run.upsert(report, rows, run.store.upsert_organizations, "uscc")
        run.mark_known(p.value.uscc for p in written)


@dataclass(frozen=True, slots=True)
class PersonRow:
    """A person row; ``scope`` is the organisation named in ``org_id``, if any."""

    person: Person
    scope: str | None = None

    @property
    def resolves(self) -> str | None:
        """The unresolved key this row resolves: a full ID given together with an organisation."""
        if self.scope is None or self.person.unresolved:
            return None
        return unresolved_person_key(self.scope, self.person.name)


class Persons(FileKind[PersonRow]):
    """``persons.csv``: one person per row, keyed by ID number.

    Extension: an optional ``org_id`` scopes a row whose ID is withheld (an unresolved person of that
    organisation); with a full ID it resolves that organisation's unresolved person of the same name.
    """

    kind = "persons"
    required = ("id_number", "name")
    optional = ("region", "org_id")
    aliases: ClassVar[Mapping[str, str]] = aliases_zh(required + optional)
    _columns: ClassVar[dict[str, str]] = {"key": "id_number"}

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._seen = FirstSeen()

    def parse_clean(self, row: Row, line: int, ids: IdentifierMemo, today: dt.date) -> PersonRow | None:
        get = row.get
        name, raw, org = get("name"), get("id_number"), get("org_id")
        if name is None or is_withheld(raw) or (org is not None and (org := ids.clean_uscc(org)) is None):
            return None
        assert raw is not None  # is_withheld(None) holds
        number = ids.clean_id_number(raw, today)
        if number is None:
            return None
        person = rows.person(present({"key": number, "name": name, "region": get("region")}), ids)
        return None if person is None else PersonRow(person, org)

    def parse(self, cells: Cells) -> PersonRow:
        name = cells.required("name")
        org = cells.uscc("org_id", required=False)
        key: str | None = cells.text("id_number")
        if is_withheld(key) and "org_id" not in cells.row:
            cells.problem(
                "id_number",
                "id_number is missing or withheld; give org_id to load the person as unresolved in that "
                "organisation",
            )
        elif name is not None:
            ref = person_ref(cells, "id_number", "name", org)
            key = ref.key if ref is not None else key
        fields = {"key": key, "name": name, "region": cells.text("region")}
        # A withheld ID is explained above or by org_id's problem; the model's length error would not help.
        skip = ("id_number",) if is_withheld(key) else ()
        person = build(Person, present(fields), cells, self._columns, skip=skip)
        cells.reject_if_problems()
        assert person is not None
        return PersonRow(person, org)

    def write(self, batch: list[Parsed[PersonRow]], run: Run, report: FileReport) -> None:
        rows = first_rows_only(self._seen, batch, lambda r: r.person.key, "id_number", run, report)
        missing_orgs = run.unknown(r.value.scope for r in rows if r.value.scope is not None)
        kept: list[Parsed[PersonRow]] = []
        for item in rows:
            if item.value.scope in missing_orgs:
                reason = f"org_id {item.value.scope} is not an organisation of this load or the store"
                run.reject(report, item.line, [Problem("org_id", item.row["org_id"], reason)])
            else:
                kept.append(item)
        written = run.upsert(report, kept, _upsert_persons(run), "id_number")
        run.mark_known(p.value.person.key for p in written)
        resolve_candidates(
            run, report, [(key, p.value.person) for p in written if (key := p.value.resolves) is not None]
        )


def _upsert_persons(run: Run) -> Callable[[Sequence[PersonRow]], UpsertCounts]:
    return lambda rows: run.store.upsert_persons([r.person for r in rows])
