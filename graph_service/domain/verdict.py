"""Verdict rules of the related-party check (应查必查、奖惩到位).

- **block**: a mandatory punishment measure governing the scenario reaches the subject itself (its own
  entry, or as a person through a role or direct responsibility) from an effective, not suspended, entry.
- **review**: otherwise, a recommended punishment measure reaches it for the scenario, or any related
  subject within the asked depth is a hit.
- **pass**: otherwise.

Green channel (绿色通道/容缺受理, 安化县实施意见:
"对诚信典型和连续三年无不良信用记录的行政相对人"): the verdict is
pass, and the subject has an effective red entry, or it has a clean three-year record — an organisation
established at least three years before the check date, or any person, with no black or watch entry (of any
status but revoked) whose validity overlaps those three years, and no administrative penalty (行政处罚,
published under 双公示) decided in those three years: a penalty is a bad credit record too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from graph_service.domain.measures import Catalog, MeasureKind, Scenario
from graph_service.domain.model import EntryStatus, ListEntry, ListKind
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import Reach

CLEAN_RECORD_YEARS = 3


class Verdict(StrEnum):
    BLOCK = "block"
    REVIEW = "review"
    PASS = "pass"


def decide(own_reaches: Iterable[Reach], scenario: Scenario, catalog: Catalog, *, has_hits: bool) -> Verdict:
    """The verdict from the measures reaching the subject itself (effective entries only) and the hits."""
    recommended = False
    for reach in own_reaches:
        measure = catalog.get(reach.measure_id)
        if measure.kind is not MeasureKind.PUNISHMENT or not measure.governs(scenario):
            continue
        if measure.mandatory:
            return Verdict.BLOCK
        recommended = True
    return Verdict.REVIEW if recommended or has_hits else Verdict.PASS


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February falls back to 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _overlaps(entry: ListEntry, start: dt.date, end: dt.date) -> bool:
    valid_from = entry.valid_from or entry.decided_on
    return valid_from <= end and (entry.valid_until is None or entry.valid_until >= start)


def green_channel(
    verdict: Verdict,
    *,
    as_of: dt.date,
    own_entries: Iterable[ListEntry],
    is_person: bool,
    established_on: dt.date | None,
    penalties: Iterable[PenaltyRecord] = (),
) -> bool:
    """Whether the subject qualifies for the green channel; ``own_entries`` are its entries of any status,
    ``penalties`` its administrative penalties (any decision date)."""
    if verdict is not Verdict.PASS:
        return False
    entries = list(own_entries)
    if any(e.list is ListKind.RED and e.effective_on(as_of) for e in entries):
        return True
    window_start = years_before(as_of, CLEAN_RECORD_YEARS)
    if not is_person and (established_on is None or established_on > window_start):
        return False
    if any(p.decided_within(window_start, as_of) for p in penalties):
        return False
    return not any(
        e.list in (ListKind.BLACK, ListKind.WATCH, ListKind.ABNORMAL)
        and e.status is not EntryStatus.REVOKED
        and _overlaps(e, window_start, as_of)
        for e in entries
    )
