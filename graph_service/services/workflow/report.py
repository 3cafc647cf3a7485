"""The monthly report (``graph-service report --month 2026-10 --out DIR``): CSV tables and a chart.

Files (CSV in UTF-8 with a byte-order mark, so spreadsheet programs open the Chinese names correctly):

* ``summary.csv`` — metric, value: every number of :mod:`graph_service.services.workflow.stats`
* ``entries.csv`` — dimension (list | domain), value, count: entries initiated
* ``departments.csv`` — per implementing department: pushed, received, expected, rate, overdue

Header cells are ``中文 (english)``, e.g. ``实施部门 (department)``: Chinese for the clerk, the English name
for a script.
* ``feedback_rate.svg`` — feedback rate by department, as bars

Department names are whatever keys were configured; every cell goes through
:func:`graph_service.spreadsheet.safe_cell`, so none can run as a spreadsheet formula.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from graph_service.errors import InvalidInput
from graph_service.services.workflow.stats import Stats
from graph_service.services.workflow.svg_chart import bar_chart
from graph_service.spreadsheet import safe_row

REPORT_FILES = ("summary.csv", "entries.csv", "departments.csv", "feedback_rate.svg")
# Header cells read by clerks: the Chinese name, with the English column name a script can match on.
SUMMARY_HEADER = ("指标 (metric)", "数值 (value)")
ENTRIES_HEADER = ("维度 (dimension)", "取值 (value)", "条目数 (count)")
DEPARTMENTS_HEADER = (
    "实施部门 (department)",
    "推送数 (pushed)",
    "已反馈 (received)",
    "应反馈 (expected)",
    "反馈率 (rate)",
    "逾期 (overdue)",
)


def month_range(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM``; ``InvalidInput`` naming ``month`` otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput.for_field("month", month, "must be YYYY-MM, e.g. 2026-10")
    year, number = int(match.group(1)), int(match.group(2))
    return dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])


def summary_rows(stats: Stats) -> list[tuple[str, str]]:
    """(metric, value) of every headline number, in a fixed order."""
    rate = "" if stats.tasks.rate is None else f"{stats.tasks.rate:.4f}"
    rows = [
        ("period_start", stats.start.isoformat()),
        ("period_end", stats.end.isoformat()),
        ("as_of", stats.as_of.isoformat()),
        ("entries_initiated", str(stats.entries.initiated)),
        ("tasks_pushed", str(stats.tasks.pushed)),
        ("feedback_received", str(stats.tasks.received)),
        ("feedback_expected", str(stats.tasks.expected)),
        ("feedback_rate", rate),
        ("tasks_overdue", str(stats.tasks.overdue)),
        ("disputes_opened", str(stats.disputes.opened)),
        ("disputes_resolved", str(stats.disputes.resolved)),
        ("disputes_overdue", str(stats.disputes.overdue)),
        ("repairs_applied", str(stats.repairs.applied)),
        ("repairs_approved", str(stats.repairs.approved)),
        ("repairs_rejected", str(stats.repairs.rejected)),
    ]
    rows += [(f"feedback_{outcome}", str(n)) for outcome, n in stats.tasks.by_outcome.items()]
    return rows


def write_report(stats: Stats, out: Path, *, title: str) -> list[Path]:
    """Write the report files into ``out`` (created if missing); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in REPORT_FILES]
    _csv(paths[0], SUMMARY_HEADER, summary_rows(stats))
    entry_rows = [("list", k, str(n)) for k, n in stats.entries.by_list.items()]
    entry_rows += [("domain", k, str(n)) for k, n in stats.entries.by_domain.items()]
    _csv(paths[1], ENTRIES_HEADER, entry_rows)
    _csv(
        paths[2],
        DEPARTMENTS_HEADER,
        [
            (
                d.department,
                str(d.pushed),
                str(d.received),
                str(d.expected),
                "" if d.rate is None else f"{d.rate:.4f}",
                str(d.overdue),
            )
            for d in stats.departments
        ],
    )
    note = f"{stats.start} – {stats.end}; as of {stats.as_of}; rate = feedback received / expected"
    chart = bar_chart(title, [(d.department, d.rate) for d in stats.departments], note=note)
    paths[3].write_text(chart, encoding="utf-8")
    return paths


def _csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(safe_row(header))
        writer.writerows(safe_row(row) for row in rows)
