"""Reading source files as streams of rows, and writing rejects and warnings.

Chinese government exports come in UTF-8 (often with a BOM) or GBK/GB18030. ``auto`` decides on a
prefix and then proves the choice on the whole file before anything is loaded, so a file that cannot be
decoded fails before a single row of it is written. Rows are read with the ``csv`` module over a text
stream (or one JSON object per line), never the whole file at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

from graph_service.spreadsheet import safe_record

Encoding = Literal["auto", "utf-8", "gbk", "gb18030"]
ENCODINGS: tuple[Encoding, ...] = ("auto", "utf-8", "gbk", "gb18030")

# How much of a file decides ``auto``; the rest is verified afterwards.
_PREFIX_BYTES = 64 * 1024
_CHUNK_BYTES = 1024 * 1024

Row = dict[str, str]
ProgressFn = Callable[[int], None]


class SourceError(Exception):
    """A file that cannot be loaded at all (unreadable, undecodable, missing a required column)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: {reason}")
        self.path = path
        self.reason = reason


def _codec(encoding: str) -> str:
    # utf-8-sig strips a BOM when there is one and reads plain UTF-8 otherwise.
    return "utf-8-sig" if encoding == "utf-8" else encoding


def _decodes(path: Path, encoding: str, *, limit: int | None = None) -> tuple[bool, int]:
    """Whether the file (or its first ``limit`` bytes) decodes; and the 1-based line of the first bad byte."""
    decoder = codecs.getincrementaldecoder(_codec(encoding))(errors="strict")
    line = 1
    read = 0
    with path.open("rb") as handle:
        while limit is None or read < limit:
            chunk = handle.read(_CHUNK_BYTES if limit is None else min(_CHUNK_BYTES, limit - read))
            if not chunk:
                break
            read += len(chunk)
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                return False, line + chunk[: exc.start].count(b"\n")
            line += chunk.count(b"\n")
        if limit is None or read < limit:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                return False, line
    return True, line


def resolve_encoding(path: Path, requested: Encoding) -> str:
    """The encoding to read ``path`` with, proven on the whole file.

    ``auto``: UTF-8 (BOM or not) when the first 64 KiB decode as UTF-8, else GB18030 (a superset of GBK);
    if a UTF-8 guess fails further down the file, GB18030 is tried on the whole file. Raises
    :class:`SourceError` naming the line of the first undecodable byte.
    """
    try:
        if requested != "auto":
            ok, line = _decodes(path, requested)
            if not ok:
                raise SourceError(path, f"not valid {requested} (first undecodable byte on line {line})")
            return requested
        candidates = ["utf-8", "gb18030"] if _decodes(path, "utf-8", limit=_PREFIX_BYTES)[0] else ["gb18030"]
        failures: list[str] = []
        for candidate in candidates:
            ok, line = _decodes(path, candidate)
            if ok:
                return candidate
            failures.append(f"{candidate} fails on line {line}")
    except OSError as exc:
        raise SourceError(path, f"cannot read file: {exc.strerror or exc}") from exc
    raise SourceError(path, f"cannot decode as UTF-8 or GB18030 ({'; '.join(failures)})")


def normalise_header(name: str) -> str:
    """Header cell as compared: NFKC (full-width brackets become ASCII), no spaces, ASCII lower-cased."""
    return "".join(unicodedata.normalize("NFKC", name).split()).lower()


class _CountingReader(io.RawIOBase):
    """A raw binary reader that reports how many bytes were consumed (drives the progress bar)."""

    def __init__(self, raw: IO[bytes], on_bytes: ProgressFn | None) -> None:
        self._raw = raw
        self._on_bytes = on_bytes
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self.consumed += size
        if self._on_bytes is not None:
            self._on_bytes(self.consumed)
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


@dataclass(frozen=True)
class Header:
    """The header of a file: its columns in order, after normalisation."""

    columns: tuple[str, ...]

    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.columns)}


class RowStream:
    """The rows of one CSV or JSON-lines file as ``(line, {column: text})``; use as a context manager.

    Column names are normalised with :func:`normalise_header` and renamed through ``aliases`` (normalised
    source header -> canonical name). Cells are stripped; empty cells are absent from the row, so a
    missing optional value and an empty one read the same. A malformed record is yielded as a
    :class:`BadRecord` instead of a row so the caller can reject it and go on.
    """

    def __init__(
        self,
        path: Path,
        encoding: str,
        *,
        aliases: Mapping[str, str] | None = None,
        on_bytes: ProgressFn | None = None,
    ) -> None:
        self.path = path
        self.format: Literal["csv", "jsonl"] = (
            "jsonl" if path.suffix.lower() in {".jsonl", ".ndjson"} else "csv"
        )
        self._aliases = aliases or {}
        self._raw = _CountingReader(path.open("rb"), on_bytes)
        self._text = io.TextIOWrapper(
            io.BufferedReader(self._raw, _CHUNK_BYTES), encoding=_codec(encoding), newline=""
        )
        self._reader = csv.reader(self._text) if self.format == "csv" else None
        self.header = self._read_header()

    def __enter__(self) -> RowStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._text.close()

    def _canonical(self, name: str) -> str:
        key = normalise_header(name)
        return self._aliases.get(key, key)

    def _read_header(self) -> Header:
        if self._reader is None:
            return Header(())  # JSON lines carry their keys on every line
        try:
            first = next(self._reader)
        except StopIteration:
            raise SourceError(self.path, "file is empty (no header row)") from None
        except csv.Error as exc:
            raise SourceError(self.path, f"header row is not valid CSV: {exc}") from exc
        columns = tuple(self._canonical(c) for c in first)
        seen: dict[str, str] = {}
        for given, column in zip(first, columns, strict=True):
            if not column:
                continue
            if column not in seen:
                seen[column] = given
                continue
            earlier = seen[column]
            if normalise_header(earlier) != normalise_header(given):
                reason = f"columns {earlier!r} and {given!r} are both column {column!r}; give one of them"
                raise SourceError(self.path, reason)
            raise SourceError(self.path, f"column {column!r} appears more than once in the header")
        return Header(columns)

    def __iter__(self) -> Iterator[tuple[int, Row | BadRecord]]:
        return self._iter_csv() if self._reader is not None else self._iter_jsonl()

    def _iter_csv(self) -> Iterator[tuple[int, Row | BadRecord]]:
        assert self._reader is not None
        reader = self._reader
        columns = self.header.columns
        width = len(columns)
        line = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line, BadRecord(f"malformed CSV record: {exc}")
                line = reader.line_num + 1
                continue
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                line = reader.line_num + 1
                continue  # blank line
            if len(cells) != width:
                yield line, BadRecord(f"record has {len(cells)} fields, the header has {width}")
            else:
                yield line, {c: v for c, raw in zip(columns, cells, strict=True) if c and (v := raw.strip())}
            line = reader.line_num + 1

    def _iter_jsonl(self) -> Iterator[tuple[int, Row | BadRecord]]:
        for line, text in enumerate(self._text, start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                yield line, BadRecord(f"not a JSON object: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(obj, dict):
                yield line, BadRecord(f"expected a JSON object, got {type(obj).__name__}")
                continue
            row: Row = {}
            for key, value in obj.items():
                if value is None or isinstance(value, dict | list):
                    continue
                text_value = str(value).strip()
                if text_value:
                    row[self._canonical(str(key))] = text_value
            yield line, row


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be split into cells (wrong field count, broken quoting, bad JSON)."""

    reason: str


ISSUE_COLUMNS = ("file", "line", "column", "value", "reason")


class IssueWriter:
    """A CSV of row issues (``file, line, column, value, reason``): the rejects file or the warnings file.

    Opened (and truncated) eagerly so a stale file from an earlier run never passes for this run's; always
    written in UTF-8 with a BOM so spreadsheet programs on Chinese Windows open it correctly. Cells that a
    spreadsheet would run as a formula are neutralised (:func:`graph_service.spreadsheet.safe_cell`): the
    rejected values are whatever a source file held.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.DictWriter(self._handle, fieldnames=ISSUE_COLUMNS)
            self._writer.writeheader()

    def write(self, file: str, line: int, column: str, value: str, reason: str) -> None:
        self.count += 1
        if self._writer is not None:
            self._writer.writerow(
                safe_record({"file": file, "line": line, "column": column, "value": value, "reason": reason})
            )

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> IssueWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
