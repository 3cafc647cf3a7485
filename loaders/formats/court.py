"""The court list of dishonest judgment debtors (失信被执行人名单) -> black entries in ``court_enforcement``.

Columns are the published Chinese headers; the JSON field names of the courts' public query service
(``iname``, ``caseCode``, ``cardNum`` …) are accepted as aliases, so CSV exports and JSON lines both load.
One row is one debtor in one case: ``entry_id`` is ``court:<case number>:<8 hex of the debtor's name>``,
the same on every re-load. The act date is the filing date (立案时间), the decision date the publication
date (发布时间). For an organisation, the named legal representative or principal is linked as directly
responsible only when exactly one person of that name held one of those roles in that organisation on the
filing date (or the row gives their full ID); otherwise the name is reported as a warning, never guessed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from typing import Any, ClassVar

from graph_service.domain.identifiers import IdentifierError, check_id_number
from graph_service.domain.masked_ids import fits, is_masked_id, masked_debtor_key
from graph_service.domain.model import (
    CreditDomain,
    EntryStatus,
    ListEntry,
    ListKind,
    Person,
    RelationKind,
)
from graph_service.services.workflow.court_list import DELISTED_REASON, delist_absent
from loaders.cells import Cells, Problem, is_withheld
from loaders.csvio import normalise_header
from loaders.formats.public import PublicFile, PublicRow, SubjectRef, identify, province_code, record_of
from loaders.report import FileReport
from loaders.run import Parsed, Run

NAME = "被执行人姓名/名称"
IDENTIFIER = "身份证号码/组织机构代码"
LEGAL_REP = "法定代表人或者负责人姓名"
LEGAL_REP_ID = "法定代表人或者负责人身份证号码"  # extension: not published, but some exports carry it
SEX = "性别"
AGE = "年龄"
COURT = "执行法院"
PROVINCE = "省份"
CASE = "案号"
FILED_ON = "立案时间"
BASIS = "执行依据文号"
BASIS_ISSUER = "做出执行依据单位"
OBLIGATION = "生效法律文书确定的义务"
PERFORMANCE = "被执行人的履行情况"
CONDUCT = "失信被执行人行为具体情形"
PUBLISHED_ON = "发布时间"
PERFORMED = "已履行部分"
UNPERFORMED = "未履行部分"
VALID_UNTIL = "有效期至"  # extension: the listing's last day, when an export gives it

#: The listing term of a 失信被执行人 without one in the file: "纳入失信被执行人名单的期限为二年"
#: (最高人民法院《关于公布失信被执行人名单信息的若干规定》第二条), from the publication date.
LISTING_YEARS = 2

_ALIASES: dict[str, str] = {
    # JSON fields of the public query service, and header variants seen in exports
    "iname": NAME,
    "被执行人姓名": NAME,
    "被执行人名称": NAME,
    "cardnum": IDENTIFIER,
    "身份证号码": IDENTIFIER,
    "组织机构代码": IDENTIFIER,
    "统一社会信用代码": IDENTIFIER,
    "身份证号码/工商注册号": IDENTIFIER,
    "businessentity": LEGAL_REP,
    "法定代表人或负责人姓名": LEGAL_REP,
    "法定代表人/负责人姓名": LEGAL_REP,
    "sexy": SEX,
    "sex": SEX,
    "age": AGE,
    "courtname": COURT,
    "areaname": PROVINCE,
    "casecode": CASE,
    "regdate": FILED_ON,
    "gistid": BASIS,
    "gistunit": BASIS_ISSUER,
    "duty": OBLIGATION,
    "performance": PERFORMANCE,
    "disrupttypename": CONDUCT,
    "publishdate": PUBLISHED_ON,
    "公布时间": PUBLISHED_ON,
    "performedpart": PERFORMED,
    "unperformpart": UNPERFORMED,
    "validuntil": VALID_UNTIL,
    "valid_until": VALID_UNTIL,
}

_RESPONSIBLE_ROLES = frozenset({RelationKind.LEGAL_REPRESENTATIVE, RelationKind.PRINCIPAL})
_NOT_IN_ID = re.compile(r"[^\w\-.]")


#: The one-character province abbreviations case numbers begin with (湘 = Hunan), as GB/T 2260 prefixes.
PROVINCE_ABBREVIATIONS: dict[str, str] = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22", "黑": "23",
    "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36", "鲁": "37", "豫": "41",
    "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46", "渝": "50", "川": "51", "贵": "52",
    "黔": "52", "云": "53", "滇": "53", "藏": "54", "陕": "61", "甘": "62", "青": "63", "宁": "64",
    "新": "65",
}  # fmt: skip
_COURT_CODE = re.compile(r"^[(（〔\[]\s*\d{4}\s*[)）〕\]]\s*(\w)(\d{0,4})")


def court_region(case_number: str | None) -> str | None:
    """The region of the deciding court, from the court code of its 案号, or None if it names none.

    A case number is ``（year）<court code><case type><number>号``; the court code is the province
    abbreviation and the court's region code without the province digits (最高人民法院《关于人民法院
    案件案号的若干规定》及其配套标准): ``（2023）湘0923执123号`` is a county court of 430923, ``湘09``
    the intermediate court of 430900, ``湘`` alone the high court (430000). Codes 71–99 (railway,
    maritime and other special courts) and codes not of 2 or 4 digits are no region: None.
    """
    if not case_number:
        return None
    found = _COURT_CODE.match(unicodedata.normalize("NFKC", case_number.strip()))
    if found is None or found.group(1) not in PROVINCE_ABBREVIATIONS:
        return None
    province, digits = PROVINCE_ABBREVIATIONS[found.group(1)], found.group(2)
    if len(digits) not in (0, 2, 4) or (digits and int(digits[:2]) >= 71):
        return None
    return (province + digits).ljust(6, "0")


def court_entry_id(case_number: str, debtor_name: str) -> str:
    """``court:<case number without brackets or spaces>:<8 hex of the name>`` — one debtor in one case."""
    case = _NOT_IN_ID.sub("", unicodedata.normalize("NFKC", case_number))
    name = "".join(unicodedata.normalize("NFKC", debtor_name).split())
    return f"court:{case}:{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def listing_ends(published_on: dt.date | None) -> dt.date | None:
    """The last day of a listing published on ``published_on`` for the general term of two years."""
    if published_on is None:
        return None
    try:
        end = published_on.replace(year=published_on.year + LISTING_YEARS)
    except ValueError:  # 29 February
        end = published_on.replace(year=published_on.year + LISTING_YEARS, day=28)
    return end - dt.timedelta(days=1)


def _reason(cells: Cells) -> str | None:
    parts = [
        cells.text(CONDUCT),
        f"履行情况：{v}" if (v := cells.text(PERFORMANCE)) else None,
        f"义务：{v}" if (v := cells.text(OBLIGATION)) else None,
        f"执行依据单位：{v}" if (v := cells.text(BASIS_ISSUER)) else None,
    ]
    text = "；".join(p for p in parts if p)
    return text[:2000] or None


class CourtRecords(PublicFile[ListEntry]):
    """失信被执行人名单 rows (CSV with the published headers, or JSON lines)."""

    kind = "court"
    required = (NAME, IDENTIFIER, COURT, CASE, PUBLISHED_ON)
    optional = (LEGAL_REP, LEGAL_REP_ID, SEX, AGE, PROVINCE, FILED_ON, BASIS, BASIS_ISSUER, OBLIGATION,
                PERFORMANCE, CONDUCT, PERFORMED, UNPERFORMED, VALID_UNTIL)  # fmt: skip
    aliases: ClassVar[dict[str, str]] = {normalise_header(k): v for k, v in _ALIASES.items()}
    model = ListEntry
    name_column = NAME
    key_column = CASE
    field_columns: ClassVar[dict[str, str]] = {
        "entry_id": CASE,
        "subject_id": IDENTIFIER,
        "reason": CONDUCT,
        "act_on": FILED_ON,
        "decided_on": PUBLISHED_ON,
        "valid_until": VALID_UNTIL,
        "initiating_dept": COURT,
        "basis": BASIS,
        "source_region": PROVINCE,
        "responsible_person_ids": LEGAL_REP_ID,
    }

    def parse(self, cells: Cells) -> PublicRow[ListEntry]:
        for column in self.required:
            cells.required(column)
        masked = cells.text(IDENTIFIER)
        if masked is not None and is_masked_id(masked):
            # A person as published: resolved against the store once the batch is written (_keyed).
            ref: SubjectRef | None = SubjectRef(None, None, is_org=False)
        else:
            ref = identify(cells, IDENTIFIER)
        name, case = cells.text(NAME), cells.text(CASE)
        if case and name and (court := cells.text(COURT)):
            # On the published list, whether or not the row loads: a snapshot never ends a listed debtor.
            self.published.add(court_entry_id(case, name))
            self.courts.add(court)
        decided_on = cells.date(PUBLISHED_ON, lenient=True)
        fields: dict[str, Any] = {
            "entry_id": court_entry_id(case, name) if case and name else None,
            "list": ListKind.BLACK,
            "domain": CreditDomain.COURT_ENFORCEMENT,
            "reason": _reason(cells),
            "act_on": cells.date(FILED_ON, lenient=True),
            "decided_on": decided_on,
            "valid_until": cells.date(VALID_UNTIL, lenient=True) or listing_ends(decided_on),
            "initiating_dept": cells.text(COURT),
            "basis": (cells.text(BASIS) or "")[:200] or None,
            "source_region": court_region(case),
            "status": EntryStatus.ACTIVE,
        }
        if fields["source_region"] is None and (province := province_code(cells.text(PROVINCE))):
            fields["source_region"] = province
            cells.warn(CASE, f"案号 {case} names no court region; the province {province} is used")
        return self.finish(cells, ref, IDENTIFIER, fields)

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.published: set[str] = set()  # entry ids of every row naming a case, a debtor and a court
        self.courts: set[str] = set()  # the courts (执行法院) the file lists debtors of

    def record_key(self, record: ListEntry) -> str:
        return record.entry_id

    def _keyed(
        self, batch: list[Parsed[PublicRow[ListEntry]]], run: Run, report: FileReport
    ) -> list[Parsed[PublicRow[ListEntry]]]:
        """Rows naming a person by a masked ID number go to the one stored person of that name whose
        ID fits every visible digit (and the sex and age given); otherwise the debtor is kept as published
        (``~m~<masked>~<name>``), a possible match of the persons who fit — never merged by name alone."""
        masked = [i for i in batch if i.value.record is None and i.value.ref.org_code is None]
        others = [i for i in batch if not (i.value.record is None and i.value.ref.org_code is None)]
        kept = super()._keyed(others, run, report)
        for item in masked:
            resolved = self._masked_person(item, run, report)
            if resolved is not None:
                kept.append(resolved)
        return sorted(kept, key=lambda i: i.line)

    def _masked_person(
        self, item: Parsed[PublicRow[ListEntry]], run: Run, report: FileReport
    ) -> Parsed[PublicRow[ListEntry]] | None:
        row, masked = item.value, item.row.get(IDENTIFIER, "")
        cells = Cells(item.row, item.line)
        age = cells.number(AGE)
        published = dict(row.fields).get("decided_on")
        candidates = sorted(
            s.key
            for s in run.store.search_subjects(row.name, limit=200)
            if isinstance(s, Person)
            and s.name == row.name
            and fits(masked, s.key, sex=cells.text(SEX), age=None if age is None else int(age), on=published)
        )
        if len(candidates) != 1:
            # Never identified by name and a partial number: the debtor is kept as published, and checks of
            # persons whose name and ID fit report it as a possible match (review, never block).
            debtor = Person(key=masked_debtor_key(masked, row.name), name=row.name)
            record = self._build(cells, dict(row.fields), debtor.key)
            if record is None:
                run.reject(report, item.line, cells.problems)
                return None
            reason = (
                f"ID number is masked ({masked}) and {len(candidates)} stored persons named {row.name} fit "
                f"it: kept as debtor {debtor.key}, a possible match of persons who fit (checks: review)"
            )
            run.warn(report, item.line, [Problem(IDENTIFIER, masked, reason)])
            kept = PublicRow(
                SubjectRef(debtor.key, None, False), row.id_column, row.name, debtor, row.fields, record
            )
            return Parsed(item.line, item.row, kept)
        [key] = candidates
        record = self._build(cells, dict(row.fields), key)
        if record is None:
            run.reject(report, item.line, cells.problems)
            return None
        reason = f"masked ID {masked} linked to {row.name} {key}: the one stored person of that name it fits"
        run.warn(report, item.line, [Problem(IDENTIFIER, masked, reason)])
        found = PublicRow(SubjectRef(key, None, False), row.id_column, row.name, None, row.fields, record)
        return Parsed(item.line, item.row, found)

    def after_file(self, run: Run, report: FileReport) -> None:
        """With ``--snapshot``: end the entries of the file's courts that are no longer on it."""
        if not run.snapshot or run.dry_run or not self.courts:
            return
        result = delist_absent(run.store, run.door, self.courts, self.published, file=report.file)
        for entry_id in result.ended:
            reason = f"entry {entry_id} ended: {DELISTED_REASON} of {', '.join(sorted(self.courts))}"
            run.warn(report, 0, [Problem(CASE, entry_id, reason)])
        for entry_id, refusal in sorted(result.refused.items()):
            run.warn(report, 0, [Problem(CASE, entry_id, f"not on the published list, not ended: {refusal}")])
        report.notes.append(f"snapshot: {len(result.ended)} entries removed from the published list ended")

    def store(self, run: Run, report: FileReport, items: list[Parsed[PublicRow[ListEntry]]]) -> None:
        """Each debtor's entry through the lifecycle: initiated (tasks, pushes, history) or transitioned."""
        written = run.admit(report, items, record_of, CASE)
        run.touched_entries.update(record_of(i.value).entry_id for i in written)

    def enrich(
        self, items: list[Parsed[PublicRow[ListEntry]]], run: Run, report: FileReport
    ) -> list[Parsed[PublicRow[ListEntry]]]:
        """Fill a missing source region (the loading county's) and link the named legal representative
        where it is unambiguous; never the subject's region: a court decides wherever the debtor lives."""
        home = run.door.policy.home_region
        out: list[Parsed[PublicRow[ListEntry]]] = []
        for item in items:
            entry = item.value.record
            assert entry is not None
            update: dict[str, Any] = {}
            if entry.source_region is None and home is not None:
                update["source_region"] = home
            if item.value.ref.is_org and (rep := item.row.get(LEGAL_REP)) is not None:
                person = self._responsible(run, entry, rep, item.row.get(LEGAL_REP_ID))
                if isinstance(person, str):
                    update["responsible_person_ids"] = (person,)
                else:
                    run.warn(report, item.line, [person])
            if update:
                item = Parsed(item.line, item.row, _with_record(item.value, entry.model_copy(update=update)))
            out.append(item)
        return out

    @staticmethod
    def _responsible(run: Run, entry: ListEntry, name: str, rep_id: str | None) -> str | Problem:
        """The one person the row's legal representative can be, or a warning saying why none is linked."""
        on: dt.date = entry.act_date
        if not is_withheld(rep_id):
            assert rep_id is not None
            try:
                number, _ = check_id_number(rep_id)
            except IdentifierError as exc:
                return Problem(LEGAL_REP_ID, rep_id, f"{exc.reason}; legal representative not linked")
            if not run.unknown([number]):
                return number
            return Problem(
                LEGAL_REP_ID, rep_id, f"person {number} is not stored; legal representative not linked"
            )
        holders = run.store.role_holders(entry.subject_id, as_of=on, roles=_RESPONSIBLE_ROLES)
        subjects = run.store.get_subjects({h.source_id for h in holders})
        wanted = "".join(name.split())
        matches = sorted(
            k for k, s in subjects.items() if isinstance(s, Person) and "".join(s.name.split()) == wanted
        )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            found = "is not a legal representative or principal"
        else:
            found = f"matches {len(matches)} legal representatives or principals"
        reason = f"unresolved name: {name} {found} of {entry.subject_id} on {on}; not linked"
        return Problem(LEGAL_REP, name, reason)


def _with_record(row: PublicRow[ListEntry], record: ListEntry) -> PublicRow[ListEntry]:
    return PublicRow(row.ref, row.id_column, row.name, row.subject, row.fields, record)
