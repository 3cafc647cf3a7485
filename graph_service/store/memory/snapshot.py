"""The binary snapshot: the packed in-memory state saved as it is, so a restart need not replay the journal.

A cache, never the source of truth. The data dir's truth stays ``snapshot.log`` (if any) plus
``journal.log`` (:mod:`.journal`); ``state.snapshot`` holds the state those files produce up to one
journal position. A restart that finds a snapshot matching them loads it and replays only the journal
records after that position; any mismatch — absent, torn, a bad checksum, another data version, the
journal no longer what it was, a build of the code whose packed shapes may differ — is logged and the
store loads from the journal as before, losing nothing.

Why pickle: the state is nested dicts, tuples, dates, enum members and a few small classes, with many
objects shared on purpose (every edge end is its node's own key string, repeated values are one object).
Pickle restores exactly that graph of objects, identity included, in C; ``marshal`` cannot hold dates,
enums or classes, and JSON or msgpack would need the per-row rebuilding this file exists to skip. Pickle
runs code named in its input, so the file is trusted only as far as: it lives in the data dir, which only
the service writes (the journal is trusted the same way); its body is unpickled only once its header and
CRC-32 check out; and the unpickler resolves classes from an allow-list of modules (defence in depth, not
a sandbox).

When it is written (each time to a temporary file, fsynced, renamed over the old one, dir fsynced):
``compact()`` (``graph-service compact``) after folding the journal into ``snapshot.log``, and a writer's
clean ``close()`` — which is the end of ``graph-service load``, of a server, of any writing command — when
at least :data:`REWRITE_AFTER_BYTES` of journal (or ``snapshot.log``) would otherwise be replayed at the
next start. ``clear()`` deletes it. A crash before a snapshot is written only costs the next start a
longer replay.

File layout: :data:`MAGIC`, the header length (4 bytes, big-endian), the header's CRC-32 (4 bytes), the
header (JSON: format, code fingerprint, data version, the ``snapshot.log`` and journal position it
follows, body size and CRC-32), then the body (the pickle).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import struct
import sys
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import orjson
import pydantic

import graph_service.domain
import graph_service.store.memory
from graph_service.store.memory.graph import GraphState
from graph_service.store.memory.journal import JOURNAL_NAME, SNAPSHOT_NAME, fsync_dir, unframe

BINARY_SNAPSHOT_NAME = "state.snapshot"
MAGIC = b"GSSNAP\x00\x01"
FORMAT = 1
# ~0.1 s of journal replay on this box: below it a snapshot saves less than writing one costs.
REWRITE_AFTER_BYTES = 1 << 20
_TAIL_CHECK_BYTES = 4096  # the journal bytes just before the position, checksummed in the header
# Derived, rebuilt on open, never saved: the search index (lazy) and the pseudonym index (given the keys).
_DERIVED = frozenset({"_search", "pseudonyms"})
# What a state is made of besides this package's own classes (any class of graph_service is allowed).
_ALLOWED_GLOBALS = frozenset(
    {
        ("collections", "Counter"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
        ("pydantic_core._pydantic_core", "TzInfo"),  # the time zone of datetimes pydantic parsed
        ("copyreg", "_reconstructor"),
        ("builtins", "object"),
        ("builtins", "set"),
        ("builtins", "frozenset"),
    }
)

log = logging.getLogger(__name__)


class SnapshotMismatch(ValueError):
    """The binary snapshot does not match the data dir or this code: load from the journal instead."""


@dataclass(frozen=True)
class Position:
    """What a binary snapshot follows: the ``snapshot.log`` (version, size; 0, 0 if none) and the journal
    prefix (its length and the CRC-32 of its last :data:`_TAIL_CHECK_BYTES` bytes)."""

    base_version: int
    base_size: int
    journal_offset: int
    journal_tail_crc: int

    def as_json(self) -> dict[str, int]:
        return {
            "base_version": self.base_version,
            "base_size": self.base_size,
            "journal_offset": self.journal_offset,
            "journal_tail_crc": self.journal_tail_crc,
        }


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of the code that defines the packed shapes (the domain models and this backend, source as
    shipped) and of the libraries whose objects the state holds: any change makes old snapshots stale."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((FORMAT, sys.version_info[:2], nx.__version__, pydantic.VERSION)).encode())
    for package in (graph_service.domain, graph_service.store.memory):
        for path in sorted(Path(next(iter(package.__path__))).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def position(data_dir: Path, journal_offset: int) -> Position:
    """The position of a state that holds ``snapshot.log`` and the first ``journal_offset`` journal bytes."""
    base_version, base_size = _base(data_dir)
    return Position(base_version, base_size, journal_offset, _tail_crc(data_dir, journal_offset))


def write(data_dir: Path, state: GraphState, at: Position) -> int:
    """Write the binary snapshot of ``state`` at ``at`` atomically; returns its size in bytes."""
    body = pickle.dumps(_capture(state), protocol=pickle.HIGHEST_PROTOCOL)
    header = orjson.dumps(
        {
            "format": FORMAT,
            "fingerprint": code_fingerprint(),
            "version": state.version,
            "position": at.as_json(),
            "body_size": len(body),
            "body_crc": zlib.crc32(body),
        }
    )
    path = data_dir / BINARY_SNAPSHOT_NAME
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write(MAGIC + struct.pack(">II", len(header), zlib.crc32(header)) + header)
        f.write(body)
        f.flush()
        os.fsync(f.fileno())
        size = f.tell()
    os.replace(tmp, path)
    fsync_dir(data_dir)
    return size


def remove(data_dir: Path) -> None:
    """Delete the binary snapshot (``clear()``), durably; absent is fine."""
    try:
        (data_dir / BINARY_SNAPSHOT_NAME).unlink()
    except FileNotFoundError:
        return
    fsync_dir(data_dir)


def read(data_dir: Path) -> tuple[GraphState, Position] | None:
    """The state of a binary snapshot matching ``data_dir`` and this code, and its position; None (with
    the reason logged) if there is none or it does not match, so the caller loads from the journal."""
    path = data_dir / BINARY_SNAPSHOT_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("binary snapshot %s unreadable (%s): loading from the journal", path, exc)
        return None
    try:
        return _decode(data_dir, data)
    except SnapshotMismatch as exc:
        log.warning("binary snapshot %s not used (%s): loading from the journal", path, exc)
        return None


def _decode(data_dir: Path, data: bytes) -> tuple[GraphState, Position]:
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 8:
        raise SnapshotMismatch("not a binary snapshot, or torn")
    header_size, header_crc = struct.unpack_from(">II", data, len(MAGIC))
    start = len(MAGIC) + 8
    raw_header = data[start : start + header_size]
    if len(raw_header) != header_size or zlib.crc32(raw_header) != header_crc:
        raise SnapshotMismatch("its header is torn or fails its checksum")
    header = orjson.loads(raw_header)
    if header.get("format") != FORMAT:
        raise SnapshotMismatch(f"format {header.get('format')!r}, this code reads {FORMAT}")
    if header.get("fingerprint") != code_fingerprint():
        raise SnapshotMismatch("written by another build of the store (its packed shapes may differ)")
    at = Position(**header["position"])
    if at != position(data_dir, at.journal_offset):
        raise SnapshotMismatch("snapshot.log or the journal is no longer what it followed")
    body = memoryview(data)[start + header_size :]
    if len(body) != header["body_size"] or zlib.crc32(body) != header["body_crc"]:
        raise SnapshotMismatch("its body is torn or fails its checksum")
    del body
    stream = io.BytesIO(data)  # shares the bytes (a memoryview would be copied)
    stream.seek(start + header_size)
    try:
        fields = _Unpickler(stream).load()
        state = _restore(fields)
    except SnapshotMismatch:
        raise
    except Exception as exc:  # a body that passed its CRC yet does not unpickle: written by a bug
        raise SnapshotMismatch(f"its body does not load: {exc!r}") from exc
    if state.version != header["version"]:
        raise SnapshotMismatch(f"its state is at data version {state.version}, its header says otherwise")
    return state, at


def _base(data_dir: Path) -> tuple[int, int]:
    """(data version, size) of ``snapshot.log``; (0, 0) if there is none."""
    path = data_dir / SNAPSHOT_NAME
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            header = unframe(f.readline())
    except FileNotFoundError:
        return 0, 0
    version = header.get("version") if header is not None else None
    return (version if isinstance(version, int) else -1), size


def _tail_crc(data_dir: Path, offset: int) -> int:
    """CRC-32 of the journal bytes just before ``offset`` (-1 if the journal is shorter than that)."""
    if offset == 0:
        return 0
    try:
        with (data_dir / JOURNAL_NAME).open("rb") as f:
            begin = max(0, offset - _TAIL_CHECK_BYTES)
            f.seek(begin)
            tail = f.read(offset - begin)
    except FileNotFoundError:
        return -1
    return zlib.crc32(tail) if len(tail) == offset - begin and tail.endswith(b"\n") else -1


def _capture(state: GraphState) -> dict[str, Any]:
    """The state's own fields but the derived ones; the graph as its three dicts (node, succ, pred)."""
    fields = {name: value for name, value in vars(state).items() if name not in _DERIVED}
    graph: nx.DiGraph = fields.pop("graph")
    fields["graph"] = (graph.graph, graph._node, graph._succ, graph._pred)
    return fields


def _restore(fields: dict[str, Any]) -> GraphState:
    state = GraphState()
    expected = set(vars(state)) - _DERIVED
    if set(fields) != expected:
        raise SnapshotMismatch(f"its fields {sorted(set(fields) ^ expected)} differ from this code's")
    attrs, node, succ, pred = fields.pop("graph")
    graph = state.graph  # the store's own graph class, empty
    graph.graph.update(attrs)
    graph._node, graph._adj, graph._pred = node, succ, pred  # networkx's own setters keep _succ = _adj
    vars(state).update(fields)
    for key in node:
        sys.intern(key)  # so a later write's sys.intern(key) finds this very string, as after a replay
    return state


class _Unpickler(pickle.Unpickler):
    """Resolves only the classes a state is made of: graph_service's own, and :data:`_ALLOWED_GLOBALS`."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        if module.startswith("graph_service."):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise SnapshotMismatch(f"it names {module}.{name}, which no state holds")
