"""Cells of the CSV files the service writes, made safe to open in a spreadsheet program.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some programs skip
before reading a formula) is run as a formula by Excel and WPS — CSV injection: a company name like
``=HYPERLINK(...)`` in a rejects file would run on the clerk's machine. Such a cell gets a leading
apostrophe, which the programs show as text and do not evaluate (the OWASP recommendation). Every CSV
writer of the service (loaders' rejects and warnings, the monthly report) passes its cells through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """``value`` as CSV cell text, with an apostrophe in front if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values: Iterable[object]) -> list[str]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]


def safe_record(record: Mapping[str, object]) -> dict[str, str]:
    """Every value of a ``csv.DictWriter`` row through :func:`safe_cell` (keys are our own headers)."""
    return {key: safe_cell(value) for key, value in record.items()}
