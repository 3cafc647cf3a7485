"""Format v1 ``shareholdings.csv``: who holds what share of an organisation, dated.

When ``ratio`` is empty but ``subscribed_amount`` (认缴出资额) is given, the ratio is derived from the
organisation's subscribed amounts in the same file: ``amount / total``, where ``total`` sums the amounts of
that organisation's holdings that ran at the same time — the holdings still open for an open row, the
holdings valid on the day before ``end_on`` for an ended row (the stake just before it ended). That needs
the whole file, so the loader reads it twice first: once to find the organisations that need a derivation
(usually few), once to collect only their holdings.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar, NamedTuple

from graph_service.domain.identifiers import normalise
from graph_service.domain.model import RelationKind
from loaders import clean
from loaders.cells import (
    ORGANISATION_TYPES,
    PERSON_TYPES,
    Cells,
    Problem,
    holder_is_organisation,
    is_withheld,
    parse_date,
    parse_number,
)
from loaders.csvio import BadRecord, Row
from loaders.formats.v1_headers import aliases_zh
from loaders.formats.v1_relations import RelationFile, RelationRow, dated_relation, person_source
from loaders.memo import IdentifierMemo
from loaders.report import FileReport
from loaders.run import Parsed, Run

# Ratios are given to 6 decimals: shares that round up (three holders of 0.333334) are not an excess.
_RATIO_SLACK = 1e-5


class _Holding(NamedTuple):
    line: int
    start_on: dt.date | None
    end_on: dt.date | None
    amount: float


class Shareholdings(RelationFile):
    """``shareholdings.csv``: a person or organisation holding a share of an organisation.

    Extensions: ``holder_name`` (a natural-person holder whose ID is withheld — 非公示项 — is loaded as an
    unresolved person of the organisation) and ``holder_type`` (person | organization; by default a
    USCC-shaped ``holder_id`` is an organisation and anything else a person).
    """

    kind = "shareholdings"
    required = ("holder_id", "org_id", "ratio")
    optional = ("subscribed_amount", "start_on", "end_on", "holder_name", "holder_type")
    aliases: ClassVar[Mapping[str, str]] = aliases_zh(required + optional)
    _columns: ClassVar[dict[str, str]] = {"source_id": "holder_id", "target_id": "org_id"}

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._holdings: dict[str, list[_Holding]] = {}
        # Per organisation, the ratios of its holdings in this file that have no end_on (current ones),
        # and the organisations already warned about: one float a key, the file is never kept.
        self._current: dict[str, float] = defaultdict(float)
        self._over: set[str] = set()

    def written(self, items: list[Parsed[RelationRow]], run: Run, report: FileReport) -> None:
        """Warn once per organisation whose current holdings in this file add up to more than 1.

        Not a reject: every row may be right on its own (one of them is stale, or a holder is listed
        twice from different dates), and which one is wrong is for the data's owner to decide.
        """
        for item in items:
            relation = item.value.relation
            org = relation.target_id
            if relation.end_on is not None or relation.ratio is None or org in self._over:
                continue
            self._current[org] += relation.ratio
            total = self._current[org]
            if total > 1 + _RATIO_SLACK:
                self._over.add(org)
                reason = (
                    f"the current holdings (no end_on) of {org} listed up to this line add up to "
                    f"{total:.6g}, more than 1: a holder listed twice or a holding that has ended?"
                )
                run.warn(report, item.line, [Problem("ratio", item.row.get("ratio", ""), reason)])

    def prepass(self, reread: Callable[[], Iterator[tuple[int, Row | BadRecord]]]) -> None:
        """Collect the subscribed amounts of the organisations whose rows need a derived ratio."""
        needing = {
            normalise(row["org_id"])
            for _, row in reread()
            if isinstance(row, dict) and "org_id" in row and "ratio" not in row and "subscribed_amount" in row
        }
        if not needing:
            return
        holdings: dict[str, list[_Holding]] = defaultdict(list)
        for line, row in reread():
            if not isinstance(row, dict) or normalise(row.get("org_id", "")) not in needing:
                continue
            amount = parse_number(row.get("subscribed_amount", ""))
            start = parse_date(row["start_on"]) if "start_on" in row else None
            end = parse_date(row["end_on"]) if "end_on" in row else None
            # Rows with unreadable values are rejected when loaded; they do not count towards the total.
            if amount is None or ("start_on" in row and start is None) or ("end_on" in row and end is None):
                continue
            holdings[normalise(row["org_id"])].append(_Holding(line, start, end, amount))
        self._holdings = dict(holdings)

    def derived_ratio(self, org: str, line: int, start: dt.date | None, end: dt.date | None) -> float | None:
        """The ratio of the holding on ``line`` from its organisation's subscribed amounts, if derivable."""
        holdings = self._holdings.get(org, [])
        own = next((h for h in holdings if h.line == line), None)
        if own is None:
            return None
        day = end - dt.timedelta(days=1) if end is not None else None

        def concurrent(h: _Holding) -> bool:
            if h.line == line:
                return True
            if day is None:
                return h.end_on is None
            return (h.start_on is None or h.start_on <= day) and (h.end_on is None or day < h.end_on)

        total = sum(h.amount for h in holdings if concurrent(h))
        return round(own.amount / total, 6) if total > 0 else None

    def parse_clean(self, row: Row, line: int, ids: IdentifierMemo, today: dt.date) -> RelationRow | None:
        get = row.get
        org, ratio_text, holder = get("org_id"), get("ratio"), get("holder_id")
        if org is None or (org := ids.clean_uscc(org)) is None:
            return None
        declared = get("holder_type")
        if declared is not None:
            lowered = declared.lower()
            if lowered not in ORGANISATION_TYPES and lowered not in PERSON_TYPES:
                return None
            by_organisation = lowered in ORGANISATION_TYPES
        else:
            by_organisation = holder is not None and not is_withheld(holder) and ids.shaped(holder)
        new_person = candidate = None
        if by_organisation:
            if holder is None or (source := ids.clean_uscc(holder)) is None:
                return None
        else:
            found = clean.person_source(row, ids, today, "holder_id", "holder_name", org)
            if found is None:
                return None
            source, new_person, candidate = found
        amount_text = get("subscribed_amount")
        amount = None if amount_text is None else parse_number(amount_text)
        if amount_text is not None and amount is None:
            return None
        if ratio_text is not None:
            ratio = parse_number(ratio_text)
        elif amount is None:
            return None  # a problem: neither a ratio nor an amount to derive it from
        else:
            start_text, end_text = get("start_on"), get("end_on")
            start = None if start_text is None else clean.date(ids, start_text)
            end = None if end_text is None else clean.date(ids, end_text)
            if (start_text is not None and start is None) or (end_text is not None and end is None):
                return None
            ratio = self.derived_ratio(org, line, start, end)
        if ratio is None:
            return None
        fields = {
            "kind": RelationKind.SHAREHOLDER,
            "source_id": source,
            "target_id": org,
            "ratio": ratio,
            "subscribed_amount": amount,
            "source": self.source,
        }
        relation = clean.dated_relation(row, ids, fields)
        return (
            None if relation is None else RelationRow(relation, "holder_id", "org_id", new_person, candidate)
        )

    def parse(self, cells: Cells) -> RelationRow:
        org = cells.uscc("org_id")
        new_person = candidate = None
        if holder_is_organisation(cells, "holder_id", "holder_type"):
            source = cells.uscc("holder_id") or cells.text("holder_id")
        else:
            source, new_person, candidate = person_source(cells, "holder_id", "holder_name", org)
        ratio = cells.number("ratio")
        amount = cells.number("subscribed_amount")
        if "ratio" not in cells.row:
            ratio = self._ratio_from_amounts(cells, org, amount)
        fields = {
            "kind": RelationKind.SHAREHOLDER,
            "source_id": source,
            "target_id": org,
            "ratio": ratio,
            "subscribed_amount": amount,
            "source": self.source,
        }
        relation = dated_relation(cells, fields, self._columns)
        cells.reject_if_problems()
        assert relation is not None
        return RelationRow(relation, "holder_id", "org_id", new_person, candidate)

    def _ratio_from_amounts(self, cells: Cells, org: str | None, amount: float | None) -> float | None:
        if amount is None:
            if "subscribed_amount" not in cells.row:
                cells.problem("ratio", "ratio is required (or subscribed_amount, to derive it)")
            return None
        if org is None:
            return None
        # Unreadable dates are reported by the relation itself; here they only leave the ratio underived.
        start = parse_date(cells.row["start_on"]) if "start_on" in cells.row else None
        end = parse_date(cells.row["end_on"]) if "end_on" in cells.row else None
        ratio = self.derived_ratio(org, cells.line, start, end)
        if ratio is None:
            cells.problem(
                "ratio", f"ratio is empty and cannot be derived from the subscribed amounts of {org}"
            )
        return ratio
