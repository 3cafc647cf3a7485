"""Turning the text cells of one row into typed values, collecting every problem with its column.

A row is rejected with *all* its problems at once (a clerk fixes a row once, not once per column), each
naming the column, the value and the reason. The domain models do the identifier and consistency checks;
:func:`build` runs them and maps pydantic's field names back to the file's column names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from graph_service.domain.identifiers import IdentifierError, check_id_number, check_uscc, is_uscc_shaped
from graph_service.domain.model import unresolved_person_key
from loaders.csvio import Row
from loaders.rows import FAST

M = TypeVar("M", bound=BaseModel)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CN_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# What exports put where an ID number is withheld: masks (4309231990****1011), 非公示项, dashes.
# A run of x counts only between digits (4309231990xxxx1011): USCCs may legitimately contain "XX".
_MASKED = re.compile(r"[*＊×●]|^\d{4,}[xX]{2,}\d*[\dxX]?$")
_WITHHELD = frozenset(
    {"非公示项", "未公示", "不公示", "无", "暂无", "-", "--", "—", "/", "null", "none", "n/a"}
)
#: A holder type column's values (lower-cased) that name an organisation, and a person.
ORGANISATION_TYPES = frozenset({"organization", "organisation", "org", "企业", "企业法人", "法人"})
PERSON_TYPES = frozenset({"person", "自然人", "自然人股东"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class Problem(NamedTuple):
    """Why one cell (or the row, when ``column`` is empty) cannot be loaded."""

    column: str
    value: str
    reason: str


class RowRejected(Exception):
    """The row cannot be loaded; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.column}: {p.reason}" for p in problems))
        self.problems = problems


class Cells:
    """Typed access to one row's cells that collects problems instead of stopping at the first."""

    def __init__(self, row: Row, line: int = 0, *, today: dt.date | None = None) -> None:
        self.row = row
        self.line = line
        # A load is an edge of the system like a request: the day of the load judges birth dates in ID
        # numbers (none may lie in the future). Callers that know the load's day pass it.
        self.today = today if today is not None else dt.date.today()
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def text(self, column: str) -> str | None:
        return self.row.get(column)

    def required(self, column: str) -> str | None:
        value = self.row.get(column)
        if value is None:
            self.problems.append(Problem(column, "", f"{column} is required"))
        return value

    def problem(self, column: str, reason: str) -> None:
        self.problems.append(Problem(column, self.row.get(column, ""), reason))

    def warn(self, column: str, reason: str) -> None:
        self.warnings.append(Problem(column, self.row.get(column, ""), reason))

    def date(self, column: str, *, required: bool = False, lenient: bool = False) -> dt.date | None:
        """A ``YYYY-MM-DD`` date; ``lenient`` (public feeds) also reads 2019/5/20, 2019年5月20日, 20190520."""
        value = self.required(column) if required else self.row.get(column)
        if value is None:
            return None
        parsed = parse_date(value, lenient=lenient)
        if parsed is None:
            expected = "a date like 2024-01-31" if lenient else "a date as YYYY-MM-DD"
            self.problem(column, f"{column} must be {expected}")
        return parsed

    def number(self, column: str, *, required: bool = False) -> float | None:
        """A decimal number (thousands separators allowed); range checks are the model's."""
        value = self.required(column) if required else self.row.get(column)
        if value is None:
            return None
        number = parse_number(value)
        if number is None:
            self.problem(column, f"{column} must be a number")
        return number

    def uscc(self, column: str, *, required: bool = True) -> str | None:
        """A USCC, normalised; its warnings (organisation-code check digit) are kept."""
        value = self.required(column) if required else self.row.get(column)
        if value is None:
            return None
        try:
            code, warnings = check_uscc(value)
        except IdentifierError as exc:
            self.problem(column, exc.reason)
            return None
        self.warnings.extend(Problem(column, value, w) for w in warnings)
        return code

    def id_number(self, column: str, value: str) -> str | None:
        """A full ID number, normalised, or None with a problem recorded."""
        try:
            number, warnings = check_id_number(value, today=self.today)
        except IdentifierError as exc:
            self.problem(column, exc.reason)
            return None
        self.warnings.extend(Problem(column, value, w) for w in warnings)
        return number

    def reject_if_problems(self) -> None:
        if self.problems:
            raise RowRejected(self.problems)


def parse_date(value: str, *, lenient: bool = False) -> dt.date | None:
    """The date in ``value``, or None if it is not one (strict ``YYYY-MM-DD`` unless ``lenient``)."""
    try:
        if _ISO_DATE.match(value):
            return dt.date.fromisoformat(value)
        if not lenient:
            return None
        match = _CN_DATE.match(value) or _COMPACT_DATE.match(value)
        if match is None:
            return None
        year, month, day = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_number(value: str) -> float | None:
    """A decimal number (thousands separators allowed), or None if ``value`` is not one."""
    cleaned = value.replace(",", "").replace("，", "").strip()
    return float(cleaned) if _NUMBER.match(cleaned) else None


def is_withheld(value: str | None) -> bool:
    """True for a missing, masked or "not published" ID number — normal in public exports, not an error."""
    if value is None or not value.strip():
        return True
    if len(value) == 18 and value[:17].isdigit():  # the common case: a plain ID number
        return False
    return value.strip().lower() in _WITHHELD or bool(_MASKED.search(value))


class PersonRef(NamedTuple):
    """Who a row names: ``key`` (ID number or ``~uscc~name``) and, if given, the name."""

    key: str
    name: str | None
    unresolved: bool


def person_ref(cells: Cells, id_column: str, name_column: str, org_uscc: str | None) -> PersonRef | None:
    """The person a row names in ``id_column`` (and ``name_column``), scoped to ``org_uscc`` if unresolved.

    A withheld ID with a name becomes an unresolved person of that organisation; a withheld ID without a
    name, or a malformed one, is a problem. Returns None when there is a problem.
    """
    raw = cells.text(id_column)
    name = cells.text(name_column)
    if not is_withheld(raw):
        assert raw is not None
        number = cells.id_number(id_column, raw)
        return None if number is None else PersonRef(number, name, unresolved=False)
    if name is None:
        what = "is missing" if raw is None else f"is withheld ({raw})"
        cells.problem(id_column, f"{id_column} {what}; give {name_column} to load the person as unresolved")
        return None
    if org_uscc is None:
        return None  # the organisation column has its own problem recorded
    return PersonRef(unresolved_person_key(org_uscc, name), name, unresolved=True)


def holder_is_organisation(cells: Cells, id_column: str, type_column: str) -> bool:
    """Whether a holder is an organisation: the explicit type column, else the shape of the id."""
    declared = cells.text(type_column)
    if declared is not None:
        if declared.lower() in ORGANISATION_TYPES:
            return True
        if declared.lower() in PERSON_TYPES:
            return False
        cells.problem(type_column, f"{type_column} must be person or organization")
        return False
    raw = cells.text(id_column)
    return raw is not None and not is_withheld(raw) and is_uscc_shaped(raw)


def present(data: Mapping[str, object]) -> dict[str, object]:
    """Only the fields that have a value, so the model's defaults apply to the rest."""
    return {k: v for k, v in data.items() if v is not None}


def build(
    model: type[M],
    data: Mapping[str, object],
    cells: Cells,
    columns: Mapping[str, str],
    *,
    skip: Iterable[str] = (),
) -> M | None:
    """Validate ``data`` into ``model``; on failure record each error against its file column.

    ``columns`` maps model field names to the file's column names. Errors raised by a model-level check
    carry no field; they are attributed to the first field their message names (``end_on ... before
    start_on`` -> ``end_on``). A column that already has a problem, or is in ``skip`` (its value is a
    placeholder the caller already explained), gets no second one. Organisations, persons and relations
    that pass :mod:`loaders.rows`' checks of the very same rules are built without the model's validation.
    """
    fast = FAST.get(model)
    if fast is not None and (built := fast(data)) is not None:
        return built  # type: ignore[return-value]  # FAST maps each model to a builder of that model
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        already = {p.column for p in cells.problems} | set(skip)
        for error in exc.errors(include_url=False):
            reason = str(error["msg"]).removeprefix("Value error, ")
            field = str(error["loc"][0]) if error["loc"] else _field_named_in(reason, model.model_fields)
            column = columns.get(field, field)
            if column in already:
                continue  # one problem per column: the loader's own check already said what is wrong
            already.add(column)
            value = cells.row.get(column)
            if value is None and error["loc"] and not isinstance(error.get("input"), dict):
                value = str(error.get("input", ""))
            cells.problems.append(Problem(column, value or "", reason))
        return None


def _field_named_in(message: str, fields: Iterable[str]) -> str:
    found = [(m.start(), f) for f in fields if (m := re.search(rf"\b{re.escape(f)}\b", message))]
    return min(found)[1] if found else ""
