"""Audit log in Neo4j: ``(:AuditRecord)`` nodes chained through a single ``(:AuditHead)`` per chain.

Each batch is one auto-commit write statement (``cypher/append_audit.cypher``, one Bolt round trip: a
lone check waits for one, not for a transaction's three). The writer chains the batch in Python after the
head it last saw; the statement write-locks the head and appends only if the head is still that one, so
appends from every API instance sharing the database are serialised and the chain never forks. If
another instance moved the head, nothing is written and the statement answers the true head, after which
the batch is chained again. The head also makes removal of the newest records detectable, which a bare
chain cannot show.

The log keeps one session for its appends (a new session per batch cost ~0.1 ms of client CPU), used by
one write at a time: the writer thread's, or a check's worker thread leading its own batch
(:meth:`BatchingAuditLog.record_leading`). A session whose append failed is closed and the next try
opens a fresh one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, LiteralString

import neo4j
from neo4j.exceptions import DriverError, Neo4jError
from neo4j.time import DateTime as Neo4jDateTime
from pydantic import TypeAdapter

import cypher
from graph_service.audit.base import DEFAULT_FLUSH_TIMEOUT_S, BatchingAuditLog
from graph_service.audit.model import (
    GENESIS_HASH,
    AuditEvent,
    AuditFilter,
    AuditRecord,
    VerifyResult,
    chain_fields,
    chain_hash,
    verify_chain,
)
from graph_service.errors import BackendUnavailable

_VERIFY_PAGE = 5_000
# Serialises a datetime exactly as AuditRecord.model_dump(mode="json") does, so hashes recompute.
_DATETIME: TypeAdapter[dt.datetime] = TypeAdapter(dt.datetime)


def _q(name: str) -> LiteralString:
    # Statements come from our own package files, never from input: literal in spirit (the driver's hint).
    return cypher.query(name)


class Neo4jAuditLog(BatchingAuditLog):
    """Hash-chained audit records in Neo4j, appended in batches by a background writer.

    ``chain`` names the chain (default ``audit``); ``owns_driver`` closes the driver on :meth:`close`;
    ``close_timeout_s`` bounds close()'s flush and its wait for the writer (see
    :meth:`BatchingAuditLog.close`).
    """

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str,
        *,
        chain: str = "audit",
        owns_driver: bool = False,
        read_only: bool = False,
        batch_size: int = 500,
        close_timeout_s: float = DEFAULT_FLUSH_TIMEOUT_S,
    ) -> None:
        super().__init__(read_only=read_only, batch_size=batch_size, close_timeout_s=close_timeout_s)
        self._driver = driver
        self._database = database
        self._chain = chain
        self._owns_driver = owns_driver
        # (seq, hash) of the head as this writer last saw it committed; None until the first batch asks.
        self._head: tuple[int, str] | None = None
        # The append session, opened by the first append (one write at a time uses it, see the module).
        self._session: neo4j.Session | None = None
        if not read_only:
            try:
                with driver.session(database=database) as session:
                    for statement in cypher.statements("create_audit_schema"):
                        session.run(statement).consume()
                    self._create_head(session)
            except (DriverError, Neo4jError) as exc:
                raise BackendUnavailable(f"cannot prepare the audit log in Neo4j: {exc}") from exc
            self._start()

    # ---- writing ------------------------------------------------------------------------------------

    def _write_batch(self, events: list[AuditEvent]) -> None:
        if not events:
            return
        if self._session is None:
            self._session = self._driver.session(database=self._database)
        session = self._session
        try:
            self._append(session, events)
        except BaseException:
            # Whatever state the failure left the session in, the next try starts on a fresh one.
            self._session = None
            _close_quietly(session)
            raise

    def _append(self, session: neo4j.Session, events: list[AuditEvent]) -> None:
        while True:
            # Seq -1 fits no head: before this writer has seen one, the first try only asks for it.
            after_seq, after_hash = self._head or (-1, GENESIS_HASH)
            rows, seq, last = chain_rows(events if self._head else [], after_seq, after_hash)
            for row in rows:
                # Sent as text (the driver packs a datetime ~10x slower); the statement stores the DateTime.
                row["at"] = row["at"].isoformat()
            params: dict[str, Any] = {"chain": self._chain, "rows": rows}
            params |= {"seq": seq, "hash": last, "after_seq": after_seq, "after_hash": after_hash}
            # An auto-commit statement: it answers once its transaction has committed.
            answer = session.run(neo4j.Query(_q("append_audit")), params).single()
            if answer is None:
                # No head (removed since this log opened): create it as a new chain's, as before.
                self._create_head(session)
                continue
            self._head = (answer["seq"], answer["hash"])
            if rows and (answer["appended"] or self._head == (seq, last)):
                # Appended now, or by an earlier try whose answer was lost (same records, same hash).
                return

    def _create_head(self, session: neo4j.Session) -> None:
        """Create this chain's head at seq 0 on the genesis hash unless it exists."""
        params = {"chain": self._chain, "genesis": GENESIS_HASH}
        session.run(neo4j.Query(_q("create_audit_head")), params).consume()

    # ---- reading ------------------------------------------------------------------------------------

    def _select(self, flt: AuditFilter, limit: int) -> list[AuditRecord]:
        params: dict[str, Any] = {
            "chain": self._chain,
            "after": flt.after,
            "since": flt.since,
            "until": flt.until,
            "subject_id": flt.subject_id,
            "client": flt.client,
            "action": flt.action,
            "limit": limit,
        }
        try:
            with self._driver.session(database=self._database) as session:
                rows = session.execute_read(_fetch, _q("query_audit"), params)
        except (DriverError, Neo4jError) as exc:
            raise BackendUnavailable(f"cannot read the audit log from Neo4j: {exc}") from exc
        return [AuditRecord.model_validate(_from_row(row)) for row in rows]

    def verify(self) -> VerifyResult:
        """Check the chain page by page, then that the head points at the last record."""
        raws: list[dict[str, Any]] = []
        try:
            with self._driver.session(database=self._database) as session:
                after = 0
                while True:
                    params = {"chain": self._chain, "after": after, "limit": _VERIFY_PAGE}
                    params |= dict.fromkeys(("since", "until", "subject_id", "client", "action"))
                    page = session.execute_read(_fetch, _q("query_audit"), params)
                    raws.extend(_from_row(row) for row in page)
                    if len(page) < _VERIFY_PAGE:
                        break
                    after = page[-1]["seq"]
                head = session.execute_read(_fetch, _q("get_audit_head"), {"chain": self._chain})
        except (DriverError, Neo4jError) as exc:
            raise BackendUnavailable(f"cannot read the audit log from Neo4j: {exc}") from exc
        result = verify_chain(raws)
        if not result.ok or not head:
            return result
        head_seq, head_hash = head[0]["seq"], head[0]["hash"]
        last_seq, last_hash = (raws[-1]["seq"], raws[-1]["hash"]) if raws else (0, GENESIS_HASH)
        if (head_seq, head_hash) != (last_seq, last_hash):
            return VerifyResult(
                False,
                result.count,
                min(head_seq, last_seq) + 1,
                f"the head says the chain ends at seq {head_seq}, the stored records end at seq {last_seq}",
            )
        return result

    def _release(self) -> None:
        if self._session is not None:
            _close_quietly(self._session)
            self._session = None
        if self._owns_driver:
            self._driver.close()


def _close_quietly(session: neo4j.Session) -> None:
    """Close ``session``, ignoring the failure of a connection that is already gone."""
    try:
        session.close()
    except (DriverError, Neo4jError, OSError):
        pass


def _fetch(tx: neo4j.ManagedTransaction, statement: LiteralString, params: dict[str, Any]) -> list[Any]:
    """Run a read and consume it fully inside the transaction, as managed transactions require."""
    result = tx.run(statement, params)
    return [record.get("record", dict(record)) for record in result]


def chain_rows(events: list[AuditEvent], seq: int, prev_hash: str) -> tuple[list[dict[str, Any]], int, str]:
    """``events`` chained after ``(seq, prev_hash)`` as the node properties to store, and the new head.

    The records :func:`graph_service.audit.model.link` would make, as properties, built without making
    them (no second validation and dump per event: this runs on the writer thread, beside requests).
    """
    rows: list[dict[str, Any]] = []
    for event in events:
        seq += 1
        row = chain_fields(event, seq, prev_hash)
        prev_hash = chain_hash(row)
        row["hash"] = prev_hash
        row["at"] = event.at  # a real DateTime in the graph, so range queries use the index
        # Maps are not properties: the detail is stored as its JSON text.
        row["detail"] = json.dumps(row["detail"], sort_keys=True, ensure_ascii=False)
        rows.append(row)
    return rows, seq, prev_hash


def _from_row(props: dict[str, Any]) -> dict[str, Any]:
    """The JSON dict of a stored record, in the form it was hashed (not validated: verify judges it)."""
    raw = {k: v for k, v in props.items() if k != "chain"}
    at = raw.get("at")
    if isinstance(at, Neo4jDateTime):
        raw["at"] = _DATETIME.dump_python(at.to_native().astimezone(dt.UTC), mode="json")
    try:
        raw["detail"] = json.loads(raw.get("detail") or "{}")
    except (TypeError, ValueError):
        pass  # left as stored; its hash will not match
    raw.setdefault("entry_ids", [])
    for name in ("subject_id", "scenario", "verdict", "data_version"):
        raw.setdefault(name, None)  # Neo4j stores no nulls
    return raw
