"""What the public-feed adapters (court list, 双公示 penalties) share: identifying the subject of a row.

Public feeds name their subject by name plus one identifier column that may hold a USCC, a legacy
organisation code (组织机构代码, GB 11714) or a resident ID number — often masked for persons. The rules:
- a USCC or a full ID number identifies the subject; it is created if the store does not have it yet
  (the feed is an authoritative source of its existence), never overwritten if it does;
- an organisation code identifies a stored organisation whose USCC embeds that code *and* whose name is
  the row's name (codes are not unique across time, names are not unique at all; together they are);
- a masked ID number identifies nobody: the row is rejected with that reason. A person is never matched
  by name and a partial number — a wrong match would sanction the wrong person.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from pydantic import BaseModel

from graph_service.domain.identifiers import is_uscc_shaped, normalise, org_code_check_char
from graph_service.domain.model import Organization, Person, Subject
from loaders.cells import Cells, Problem, build, is_withheld, present
from loaders.report import FileReport
from loaders.run import FileKind, FirstSeen, Parsed, Run, first_rows_only

R = TypeVar("R", bound=BaseModel)

_ORG_CODE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")

# GB/T 2260 province-level codes, for "省份" columns (the court list's deciding province).
PROVINCES: dict[str, str] = {
    "北京": "110000", "天津": "120000", "河北": "130000", "山西": "140000", "内蒙古": "150000",
    "辽宁": "210000", "吉林": "220000", "黑龙江": "230000", "上海": "310000", "江苏": "320000",
    "浙江": "330000", "安徽": "340000", "福建": "350000", "江西": "360000", "山东": "370000",
    "河南": "410000", "湖北": "420000", "湖南": "430000", "广东": "440000", "广西": "450000",
    "海南": "460000", "重庆": "500000", "四川": "510000", "贵州": "520000", "云南": "530000",
    "西藏": "540000", "陕西": "610000", "甘肃": "620000", "青海": "630000", "宁夏": "640000",
    "新疆": "650000",
}  # fmt: skip


def province_code(name: str | None) -> str | None:
    """The 6-digit code of a province given as 湖南 / 湖南省 / 广西壮族自治区, or None if unknown."""
    if not name:
        return None
    return next((code for short, code in PROVINCES.items() if name.strip().startswith(short)), None)


class SubjectRef(NamedTuple):
    """Who a row is about: a key (USCC or ID number), or an organisation code still to be looked up."""

    key: str | None
    org_code: str | None
    is_org: bool


def identify(cells: Cells, column: str, *, person_only: bool = False) -> SubjectRef | None:
    """Read the identifier in ``column`` (USCC, organisation code or ID number); problems go to ``cells``."""
    raw = cells.text(column)
    if raw is None:
        cells.problem(column, f"{column} is required to identify the subject")
        return None
    if is_withheld(raw):
        cells.problem(
            column,
            f"ID number is masked or withheld ({raw}); a person is never identified by name and a partial "
            "number, so the row is not loaded",
        )
        return None
    code = normalise(raw)
    if len(code) == 18 and not person_only and is_uscc_shaped(code):
        uscc = cells.uscc(column)
        return None if uscc is None else SubjectRef(uscc, None, is_org=True)
    if len(code) == 18:
        number = cells.id_number(column, raw)
        return None if number is None else SubjectRef(number, None, is_org=False)
    if not person_only and _ORG_CODE.match(code):
        if org_code_check_char(code[:8]) != code[8]:
            cells.warn(column, f"organisation code {code} has a check digit mismatch (GB 11714)")
        return SubjectRef(None, code, is_org=True)
    what = "an 18-digit ID number" if person_only else "a USCC, an organisation code or an 18-digit ID number"
    cells.problem(column, f"{column} is not {what}")
    return None


def subject_model(cells: Cells, ref: SubjectRef, name: str, columns: dict[str, str]) -> Subject | None:
    """The subject a row implies (created only if missing), validated; None for an organisation code."""
    if ref.key is None:
        return None
    if ref.is_org:
        return build(Organization, {"uscc": ref.key, "name": name}, cells, columns)
    return build(Person, {"key": ref.key, "name": name}, cells, columns)


def find_by_org_code(run: Run, name: str, code: str) -> str | None:
    """The USCC of the one stored organisation named ``name`` whose USCC embeds organisation code ``code``."""
    found = {
        s.key
        for s in run.store.search_subjects(name, limit=50)
        if isinstance(s, Organization) and s.uscc[8:17] == code and s.name == name
    }
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class PublicRow(Generic[R]):
    """A parsed feed row: the subject, the record's fields, and the record once the subject is known."""

    ref: SubjectRef
    id_column: str  # the column that identified the subject
    name: str
    subject: Subject | None
    fields: tuple[tuple[str, Any], ...]  # the record's fields except ``subject_id``
    record: R | None


class PublicFile(FileKind[PublicRow[R]], Generic[R]):
    """A public feed file: rows become records (entries, penalties) on subjects the feed identifies."""

    model: ClassVar[type[BaseModel]]
    name_column: ClassVar[str]  # name of the subject
    key_column: ClassVar[str]  # the column a duplicate is reported against
    field_columns: ClassVar[dict[str, str]]  # model field -> column, for problem messages

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._seen = FirstSeen()

    def finish(
        self, cells: Cells, ref: SubjectRef | None, id_column: str, fields: dict[str, Any]
    ) -> PublicRow[R]:
        """Complete ``parse``: validate the subject and, when its key is known, the record."""
        name = cells.text(self.name_column) or ""
        subject = None
        record = None
        if ref is not None:
            columns = {"uscc": id_column, "key": id_column, "name": self.name_column}
            subject = subject_model(cells, ref, name, columns)
        if ref is not None and ref.key is not None:
            record = self._build(cells, fields, ref.key)
        cells.reject_if_problems()
        assert ref is not None
        return PublicRow(ref, id_column, name, subject, tuple(fields.items()), record)

    def _build(self, cells: Cells, fields: dict[str, Any], subject_id: str) -> R | None:
        model: type[R] = self.model  # type: ignore[assignment]  # ClassVar cannot carry the type parameter
        return build(model, present({**fields, "subject_id": subject_id}), cells, self.field_columns)

    @abc.abstractmethod
    def record_key(self, record: R) -> str:
        """The identity of a record (duplicates within a file are judged by it)."""

    @abc.abstractmethod
    def store(self, run: Run, report: FileReport, items: list[Parsed[PublicRow[R]]]) -> None:
        """Write the rows' records through the store (entries through the lifecycle); reject refusals."""

    def enrich(
        self, items: list[Parsed[PublicRow[R]]], run: Run, report: FileReport
    ) -> list[Parsed[PublicRow[R]]]:
        """Hook: adjust records once subjects exist (the court list links responsible persons)."""
        return items

    def write(self, batch: list[Parsed[PublicRow[R]]], run: Run, report: FileReport) -> None:
        items = self._keyed(batch, run, report)
        run.create_missing(report, (i.value.subject for i in items if i.value.subject is not None))
        items = self.enrich(items, run, report)
        items = first_rows_only(
            self._seen,
            items,
            lambda r: self.record_key(record_of(r)),
            self.key_column,
            run,
            report,
            _fingerprint,
        )
        self.store(run, report, items)

    def _keyed(
        self, batch: list[Parsed[PublicRow[R]]], run: Run, report: FileReport
    ) -> list[Parsed[PublicRow[R]]]:
        """Rows whose subject is known, with their record built; organisation codes are looked up."""
        kept: list[Parsed[PublicRow[R]]] = []
        for item in batch:
            row = item.value
            if row.record is not None:
                kept.append(item)
                continue
            assert row.ref.org_code is not None
            uscc = find_by_org_code(run, row.name, row.ref.org_code)
            if uscc is None:
                reason = (
                    f"organisation code {row.ref.org_code}: no stored organisation named {row.name} "
                    "carries it; a USCC is needed to load this row"
                )
                run.reject(
                    report, item.line, [Problem(row.id_column, item.row.get(row.id_column, ""), reason)]
                )
                continue
            cells = Cells(item.row, item.line)
            record = self._build(cells, dict(row.fields), uscc)
            if record is None:
                run.reject(report, item.line, cells.problems)
                continue
            found = PublicRow(
                SubjectRef(uscc, row.ref.org_code, True), row.id_column, row.name, None, row.fields, record
            )
            kept.append(Parsed(item.line, item.row, found))
        return kept


def record_of(row: PublicRow[R]) -> R:
    """The record of a row whose subject is known."""
    assert row.record is not None
    return row.record


def _fingerprint(row: PublicRow[Any]) -> Hashable:
    return row.record
