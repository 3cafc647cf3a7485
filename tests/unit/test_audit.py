"""The audit log: hash chain, tamper detection, restart, queries, background writing."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graph_service.audit import AuditEvent, AuditLog, FileAuditLog, MemoryAuditLog
from graph_service.audit.model import GENESIS_HASH, canonical_json, chain_lines, link
from graph_service.bootstrap import bootstrap
from graph_service.config import Settings, get_settings
from graph_service.errors import BackendUnavailable, Conflict, InvalidInput
from tests._neo4j import delete_audit_chain

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def event(n: int, **kw: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "at": T0 + dt.timedelta(minutes=n),
        "request_id": f"req{n}",
        "client": "county-approvals",
        "role": "approval",
        "action": "check",
        "subject_id": f"S{n % 3}",
        "scenario": "bidding",
        "verdict": "pass",
        "entry_ids": [f"E{n}"],
        "data_version": 7,
        "detail": {"depth": 2},
    }
    fields.update(kw)
    return AuditEvent(**fields)


def write(log: AuditLog, events: list[AuditEvent]) -> None:
    for e in events:
        log.record(e)
    log.flush()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "audit.jsonl"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_records_are_chained_from_the_genesis_hash(path: Path) -> None:
    log = FileAuditLog(path)
    write(log, [event(n) for n in range(4)])
    log.close()

    stored = lines(path)
    assert [r["seq"] for r in stored] == [1, 2, 3, 4], stored
    assert stored[0]["prev_hash"] == GENESIS_HASH
    assert [r["prev_hash"] for r in stored[1:]] == [r["hash"] for r in stored[:-1]]
    assert FileAuditLog(path, read_only=True).verify().ok


def test_verify_finds_the_record_that_was_edited(path: Path) -> None:
    log = FileAuditLog(path)
    write(log, [event(n) for n in range(5)])
    log.close()
    text = path.read_text(encoding="utf-8").splitlines()
    text[2] = text[2].replace('"verdict":"pass"', '"verdict":"block"')
    path.write_text("\n".join(text) + "\n", encoding="utf-8")

    result = FileAuditLog(path, read_only=True).verify()

    assert (result.ok, result.first_broken_seq, result.count) == (False, 3, 2), result
    assert "changed" in (result.reason or ""), result


def test_verify_finds_a_removed_record(path: Path) -> None:
    log = FileAuditLog(path)
    write(log, [event(n) for n in range(5)])
    log.close()
    text = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(text[:1] + text[2:]) + "\n", encoding="utf-8")

    result = FileAuditLog(path, read_only=True).verify()

    assert (result.ok, result.first_broken_seq) == (False, 2), result


def test_a_reopened_log_continues_the_chain(path: Path) -> None:
    first = FileAuditLog(path)
    write(first, [event(1), event(2)])
    first.close()

    second = FileAuditLog(path)
    write(second, [event(3)])
    result = second.verify()
    second.close()

    stored = lines(path)
    assert [r["seq"] for r in stored] == [1, 2, 3], stored
    assert stored[2]["prev_hash"] == stored[1]["hash"]
    assert (result.ok, result.count) == (True, 3), result


def test_a_torn_last_line_from_a_crash_is_cut_before_appending(path: Path) -> None:
    log = FileAuditLog(path)
    write(log, [event(1), event(2)])
    log.close()
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"seq":3,"act')  # a write the crash interrupted

    reopened = FileAuditLog(path)
    write(reopened, [event(3)])
    reopened.close()

    stored = lines(path)
    assert [r["seq"] for r in stored] == [1, 2, 3], stored
    assert FileAuditLog(path, read_only=True).verify().ok


def test_a_second_writer_on_the_same_file_is_refused(path: Path) -> None:
    log = FileAuditLog(path)
    try:
        with pytest.raises(Conflict, match="another process"):
            FileAuditLog(path)
    finally:
        log.close()


def test_a_read_only_log_refuses_to_record(path: Path) -> None:
    with pytest.raises(Conflict, match="read-only"):
        FileAuditLog(path, read_only=True).record(event(1))


def test_query_filters_by_subject_client_action_and_time(path: Path) -> None:
    log = FileAuditLog(path)
    write(
        log,
        [event(n) for n in range(6)]
        + [event(6, client="inspector", action="graph.explore", subject_id="S0")],
    )

    by_subject = log.query(subject_id="S0")
    by_client = log.query(client="inspector")
    by_action = log.query(action="graph.explore")
    by_time = log.query(since=T0 + dt.timedelta(minutes=2), until=T0 + dt.timedelta(minutes=4))
    log.close()

    assert [r.seq for r in by_subject] == [1, 4, 7], by_subject
    assert [r.seq for r in by_client] == [7], by_client
    assert [r.seq for r in by_action] == [7], by_action
    assert [r.request_id for r in by_time] == ["req2", "req3"], by_time


def test_query_pages_with_after_and_limit() -> None:
    log = MemoryAuditLog()
    write(log, [event(n) for n in range(5)])

    first = log.query(limit=2)
    second = log.query(limit=2, after=first[-1].seq)
    last = log.query(limit=2, after=second[-1].seq)
    log.close()

    assert [[r.seq for r in page] for page in (first, second, last)] == [[1, 2], [3, 4], [5]]


def test_query_refuses_a_time_without_offset() -> None:
    log = MemoryAuditLog()
    with pytest.raises(InvalidInput, match="since") as info:
        log.query(since=dt.datetime(2025, 3, 1, 9, 0))
    log.close()
    assert info.value.errors[0]["field"] == "since", info.value.errors


def test_query_refuses_an_end_before_the_start() -> None:
    log = MemoryAuditLog()
    with pytest.raises(InvalidInput, match="until"):
        log.query(since=T0, until=T0 - dt.timedelta(days=1))
    log.close()


def test_times_are_stored_in_utc_and_details_as_json() -> None:
    log = MemoryAuditLog()
    beijing = dt.timezone(dt.timedelta(hours=8))
    write(
        log,
        [event(1, at=dt.datetime(2025, 3, 1, 17, 0, tzinfo=beijing), detail={"as_of": dt.date(2025, 3, 1)})],
    )

    [stored] = log.query()
    log.close()

    assert stored.at == dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
    assert stored.at.utcoffset() == dt.timedelta(0)
    assert stored.detail == {"as_of": "2025-03-01"}, stored.detail


class _ObservedMemoryLog(MemoryAuditLog):
    """Notes the thread that writes, and fails while ``failing`` is set."""

    def __init__(self) -> None:
        self.writer_threads: set[str] = set()
        self.failing = threading.Event()
        super().__init__()

    def _write_batch(self, events: list[AuditEvent]) -> None:
        self.writer_threads.add(threading.current_thread().name)
        if self.failing.is_set():
            raise OSError("disk unavailable")
        super()._write_batch(events)


def test_recording_hands_the_write_to_a_background_thread() -> None:
    log = _ObservedMemoryLog()
    write(log, [event(1), event(2)])
    log.close()

    assert log.writer_threads and threading.current_thread().name not in log.writer_threads, (
        log.writer_threads
    )


def test_a_failing_write_is_reported_and_retried_until_it_succeeds() -> None:
    log = _ObservedMemoryLog()
    log.failing.set()
    log.record(event(1))

    with pytest.raises(BackendUnavailable, match="disk unavailable"):
        log.flush(timeout=0.3)
    with pytest.raises(BackendUnavailable, match="cannot write"):
        log.check()

    log.failing.clear()
    log.flush(timeout=10)
    log.check()
    result = log.verify()
    log.close()
    assert (result.ok, result.count) == (True, 1), result


def test_the_embedded_store_keeps_its_audit_log_in_the_data_dir(tmp_path: Path) -> None:
    runtime = bootstrap(Settings(data_dir=tmp_path))
    log = runtime.audit
    write(log, [event(1)])
    runtime.close()

    assert isinstance(log, FileAuditLog)
    assert [r["seq"] for r in lines(tmp_path / "audit.jsonl")] == [1]


def test_the_verify_command_prints_ok_or_the_first_broken_seq(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph_service.cli.main import app

    monkeypatch.setenv("GRAPH_SERVICE_DATA_DIR", str(path.parent))
    monkeypatch.delenv("GRAPH_SERVICE_NEO4J_URI", raising=False)
    get_settings.cache_clear()
    log = FileAuditLog(path)
    write(log, [event(n) for n in range(3)])
    log.close()
    runner = CliRunner()
    try:
        intact = runner.invoke(app, ["audit", "verify"])
        path.write_text(path.read_text(encoding="utf-8").replace('"req1"', '"req9"'), encoding="utf-8")
        broken = runner.invoke(app, ["audit", "verify"])
    finally:
        get_settings.cache_clear()

    assert (intact.exit_code, intact.output.strip()) == (0, "OK: 3 audit records, hash chain intact"), (
        intact.output
    )
    assert broken.exit_code == 1, broken.output
    assert broken.output.startswith("BROKEN at seq 2:"), broken.output


def test_cutting_the_newest_records_is_reported_by_verify_and_refused_by_a_writer(path: Path) -> None:
    log = FileAuditLog(path)
    write(log, [event(n) for n in range(3)])
    log.close()
    whole = path.read_bytes()
    path.write_bytes(whole[: whole.rstrip(b"\n").rfind(b"\n") + 1])  # the last record cut off cleanly

    result = FileAuditLog(path, read_only=True).verify()

    assert (result.ok, result.count, result.first_broken_seq) == (False, 2, 3), result
    assert "head says the chain ends at seq 3" in (result.reason or ""), result
    with pytest.raises(Conflict, match="ends at seq 2 but its head"):
        FileAuditLog(path)


def test_the_head_follows_every_batch_and_an_intact_log_verifies(path: Path) -> None:
    log = FileAuditLog(path, batch_size=2)
    write(log, [event(n) for n in range(5)])
    log.close()

    assert json.loads(path.with_suffix(".head").read_text())["seq"] == 5
    assert FileAuditLog(path, read_only=True).verify().ok


# ---- Neo4j --------------------------------------------------------------------------------------


@pytest.mark.neo4j
def test_neo4j_audit_chains_serialises_writers_and_detects_tampering(neo4j_connection: Any) -> None:
    import uuid

    import neo4j

    from graph_service.audit.neo4j import Neo4jAuditLog

    conn = neo4j_connection
    chain = f"test-{uuid.uuid4().hex}"  # a chain of its own: no clash with other tests or the service's
    driver = neo4j.GraphDatabase.driver(conn.uri, auth=(conn.user, conn.password))
    try:
        # Two logs on one chain stand for two API instances appending at the same time.
        first = Neo4jAuditLog(driver, conn.database, chain=chain, batch_size=3)
        second = Neo4jAuditLog(driver, conn.database, chain=chain, batch_size=3)
        for n in range(10):
            first.record(event(n))
            second.record(event(100 + n, client="inspector", subject_id="S9"))
        first.flush()
        second.flush()

        intact = first.verify()
        by_client = first.query(client="inspector", limit=100)
        by_time = first.query(since=T0 + dt.timedelta(minutes=2), until=T0 + dt.timedelta(minutes=4))
        first.close()
        second.close()

        # Tampering, as someone with database access might do it (test-only Cypher).
        driver.execute_query(
            "MATCH (r:AuditRecord {chain: $chain, seq: 5}) SET r.verdict = 'block'",
            chain=chain,
            database_=conn.database,
        )
        edited = Neo4jAuditLog(driver, conn.database, chain=chain, read_only=True).verify()
        driver.execute_query(
            "MATCH (r:AuditRecord {chain: $chain}) WHERE r.seq >= 4 DETACH DELETE r",
            chain=chain,
            database_=conn.database,
        )
        # Removing the newest records leaves an intact chain; only the head shows they are missing.
        cut = Neo4jAuditLog(driver, conn.database, chain=chain, read_only=True).verify()
    finally:
        delete_audit_chain(driver, conn.database, chain)
        driver.close()

    assert (intact.ok, intact.count) == (True, 20), intact
    assert sorted(r.request_id for r in by_client) == sorted(f"req{100 + n}" for n in range(10)), by_client
    assert sorted(r.request_id for r in by_time) == ["req2", "req3"], by_time
    assert (edited.ok, edited.first_broken_seq) == (False, 5), edited
    assert (cut.ok, cut.count) == (False, 3) and "head" in (cut.reason or ""), cut


def test_the_stored_lines_are_the_canonical_json_of_the_chained_records() -> None:
    events = [
        event(1),
        event(2, detail={"check_id": "ab12", "as_of": "2025-03-01", "hits": 3, "x": None, "ok": True}),
        event(3, detail={"nested": {"b": [1, 2]}, "when": dt.date(2025, 3, 1), "ratio": 0.5}),
        event(4, subject_id="430923199608295666", entry_ids=[]),
    ]

    lines_, seq, head = chain_lines(events, 5, "f" * 64)

    records = link(events, 5, "f" * 64)
    assert lines_ == [canonical_json(r.model_dump(mode="json")) for r in records]
    assert (seq, head) == (records[-1].seq, records[-1].hash)
    assert events[2].detail == {"nested": {"b": [1, 2]}, "when": "2025-03-01", "ratio": 0.5}


@pytest.mark.neo4j
def test_neo4j_audit_stores_each_at_as_the_datetime_a_datetime_parameter_gives(neo4j_connection: Any) -> None:
    # The writer sends `at` as ISO text and the statement stores datetime(text): the same value and type
    # as the driver's own packing of the datetime, so range queries and the at index are unchanged.
    import uuid

    import neo4j

    from graph_service.audit.neo4j import Neo4jAuditLog

    conn = neo4j_connection
    chain = f"test-{uuid.uuid4().hex}"
    ats = [
        T0,
        T0 + dt.timedelta(microseconds=1),
        T0.astimezone(dt.timezone(dt.timedelta(hours=8))) + dt.timedelta(days=400, microseconds=999_999),
    ]
    driver = neo4j.GraphDatabase.driver(conn.uri, auth=(conn.user, conn.password))
    try:
        log = Neo4jAuditLog(driver, conn.database, chain=chain)
        write(log, [event(n, at=at) for n, at in enumerate(ats)])
        stored, _, _ = driver.execute_query(
            "MATCH (r:AuditRecord {chain: $chain}) RETURN r.seq AS seq, r.at AS at, valueType(r.at) AS type, "
            "COUNT { MATCH (s:AuditRecord {chain: $chain}) WHERE s.at = $ats[r.seq - 1] } AS equal "
            "ORDER BY seq",
            chain=chain,
            # What the writer used to send: the event's own (UTC) datetime, packed by the driver.
            ats=[event(0, at=at).at for at in ats],
            database_=conn.database,
        )
        ok = log.verify()
        got = [r.request_id for r in log.query(since=ats[1], until=ats[2] + dt.timedelta(microseconds=1))]
        log.close()
    finally:
        delete_audit_chain(driver, conn.database, chain)
        driver.close()

    assert [row["type"] for row in stored] == ["ZONED DATETIME NOT NULL"] * 3
    assert [row["at"].to_native() for row in stored] == [at.astimezone(dt.UTC) for at in ats]
    assert [row["equal"] for row in stored] == [1, 1, 1]
    assert ok.ok and ok.count == 3, ok
    assert got == ["req1", "req2"]


@pytest.mark.neo4j
def test_neo4j_audit_recreates_a_removed_head_and_replaces_a_failed_session(neo4j_connection: Any) -> None:
    import uuid

    import neo4j

    from graph_service.audit.neo4j import Neo4jAuditLog

    conn = neo4j_connection
    chain = f"test-{uuid.uuid4().hex}"
    driver = neo4j.GraphDatabase.driver(conn.uri, auth=(conn.user, conn.password))
    try:
        log = Neo4jAuditLog(driver, conn.database, chain=chain)
        write(log, [event(n) for n in range(3)])
        first_session = log._session
        write(log, [event(3)])
        kept = log._session is first_session
        # The whole chain removed behind the writer's back: the next append finds no head, creates it and
        # starts the chain again from seq 1, as a new chain would.
        delete_audit_chain(driver, conn.database, chain)
        write(log, [event(10), event(11)])
        restarted = log.verify()
        # A session that fails (here: closed under the writer) is dropped; the retry opens a fresh one.
        assert log._session is not None
        log._session.close()
        write(log, [event(12)])
        replaced = log._session is not None and log._session is not first_session
        after = log.verify()
        records = log.query(limit=10)
        log.close()
        closed = log._session is None
    finally:
        delete_audit_chain(driver, conn.database, chain)
        driver.close()

    assert kept
    assert (restarted.ok, restarted.count) == (True, 2), restarted
    assert replaced
    assert (after.ok, after.count) == (True, 3), after
    assert [(r.seq, r.request_id) for r in records] == [(1, "req10"), (2, "req11"), (3, "req12")]
    assert closed


@pytest.mark.neo4j
@pytest.mark.parametrize("after", [None, 7])
def test_neo4j_audit_reads_seek_the_chain_seq_index(neo4j_connection: Any, after: int | None) -> None:
    # Not a scan of every chain's records: verify reads the whole chain this way, page by page.
    import uuid

    import neo4j

    import cypher
    from graph_service.audit.neo4j import Neo4jAuditLog

    conn = neo4j_connection
    chain = f"test-{uuid.uuid4().hex}"
    params = dict.fromkeys(("since", "until", "subject_id", "client", "action")) | {"after": after}
    with neo4j.GraphDatabase.driver(conn.uri, auth=(conn.user, conn.password)) as driver:
        Neo4jAuditLog(driver, conn.database, chain=chain).close()  # the schema, as a writer makes it
        driver.execute_query(
            "MATCH (h:AuditHead {name: $chain}) DELETE h", chain=chain, database_=conn.database
        )
        summary = driver.execute_query(
            "EXPLAIN " + cypher.query("query_audit"),
            params | {"chain": "c", "limit": 10},
            database_=conn.database,
        ).summary
    assert summary.plan is not None
    operators: list[str] = []
    stack: list[dict[str, Any]] = [summary.plan]
    while stack:
        plan = stack.pop()
        operators.append(plan["operatorType"].split("@")[0])
        stack.extend(plan.get("children", []))

    assert "NodeUniqueIndexSeek" in operators, operators
    assert "NodeByLabelScan" not in operators, operators


def test_the_neo4j_rows_are_the_properties_of_the_chained_records() -> None:
    from graph_service.audit.neo4j import chain_rows

    events = [
        event(1),
        event(2, detail={"check_id": "ab12", "hits": 3, "x": None, "nested": {"b": [1, 2]}}),
        event(3, subject_id=None, verdict=None, entry_ids=[]),
    ]

    rows, seq, head = chain_rows(events, 5, "f" * 64)

    records = link(events, 5, "f" * 64)
    expected = [
        r.model_dump(mode="json")
        | {"at": r.at, "detail": json.dumps(r.model_dump(mode="json")["detail"], sort_keys=True)}
        for r in records
    ]
    assert rows == expected
    assert (seq, head) == (records[-1].seq, records[-1].hash)
    assert all(row["at"].utcoffset() == dt.timedelta(0) for row in rows)  # a real DateTime, in UTC


def test_record_many_queues_events_in_order_and_its_ticket_covers_them_all(path: Path) -> None:
    log = FileAuditLog(path)
    try:
        log.record(event(0))
        ticket = log.record_many([event(n) for n in range(1, 6)])
        log.wait_durable(ticket)

        assert ticket == 6
        assert [r["request_id"] for r in lines(path)] == [f"req{n}" for n in range(6)]
        assert log.record_many([]) == 0
        assert log.verify().ok
    finally:
        log.close()
