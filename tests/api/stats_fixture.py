"""A small, hand-counted workflow history for October 2026, written straight into a store.

Read it with the expected numbers in tests/api/test_stats.py: every record below is there to count in one
place and not in another (dated outside the period, suspended, answered, open past its deadline ...).

========  =====  ===========  ===========  ========  ==========================================
entry     list   domain       decided      dept      region
========  =====  ===========  ===========  ========  ==========================================
E-A       black  tax          2026-10-05   TAX       430923
E-B       red    tax          2026-10-20   TAX       430923
E-C       black  environment  2026-10-12   ENV       430981 (same city 430900, another county)
E-D       black  tax          2026-09-28   TAX       430923 (decided before the period)
E-F       black  tax          2026-08-01   TAX       none: the subject's region 430923
========  =====  ===========  ===========  ========  ==========================================

Tasks: t1 E-A MARKET created 10-05 applied; t2 E-A FIN created 10-05 pending; t3 E-B FIN created 10-20
not_applicable; t4 E-C MARKET created 10-12 suspended (E-C disputed); t5 E-D MARKET created 09-28 due
10-22 pending (overdue); t6 E-D FIN created 09-28 due 10-22 not_applied.
Disputes: d1 E-C filed 10-15 open; d2 E-F filed 09-25 due 10-15 open (overdue); d3 E-A filed 10-02
upheld 10-03. Repairs: r1 E-D filed 10-10 approved 10-25; r2 E-A filed 10-28 pending; r3 E-B filed 09-30
rejected 10-02.
"""

from __future__ import annotations

import datetime as dt

from graph_service.domain.lifecycle import FeedbackOutcome, TaskStatus, feedback_deadline
from graph_service.domain.model import CreditDomain, ListKind
from graph_service.domain.workflow import (
    Dispute,
    DisputeStatus,
    Feedback,
    RepairApplication,
    RepairStatus,
    Task,
    task_id_for,
)
from graph_service.store.base import GraphStore
from graph_service.store.workflow_port import EntryStep
from tests.factories import make_entry, make_org

TAX = "国家税务总局测试县税务局"
ENV = "测试县生态环境局"
MARKET = "市场监管部门"
FIN = "金融监管部门"
AS_OF = dt.date(2026, 11, 23)
ORGS = {name: make_org(n) for n, name in enumerate("ABCDF", start=11)}


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(f"2026-{text}")


def _task(entry_id: str, dept: str, created: str, status: TaskStatus, outcome: str | None = None) -> Task:
    created_on = _day(created)
    feedback = None
    if outcome is not None:
        reason = "未申请" if outcome == "not_applied" else None
        feedback = Feedback(outcome=FeedbackOutcome(outcome), on=created_on, reason=reason, by=dept)
    return Task(
        task_id=task_id_for(entry_id, "market_ban", ORGS[entry_id[-1]].uscc, dept),
        entry_id=entry_id,
        measure_id="market_ban",
        subject_id=ORGS[entry_id[-1]].uscc,
        via="self",
        department=dept,
        status=status,
        created_on=created_on,
        due_on=feedback_deadline(created_on),
        feedback=feedback,
    )


TASKS = {
    "E-A": [
        _task("E-A", MARKET, "10-05", TaskStatus.APPLIED, "applied"),
        _task("E-A", FIN, "10-05", TaskStatus.PENDING),
    ],
    "E-B": [_task("E-B", FIN, "10-20", TaskStatus.NOT_APPLICABLE, "not_applicable")],
    "E-C": [_task("E-C", MARKET, "10-12", TaskStatus.SUSPENDED)],
    "E-D": [
        _task("E-D", MARKET, "09-28", TaskStatus.PENDING),
        _task("E-D", FIN, "09-28", TaskStatus.NOT_APPLIED, "not_applied"),
    ],
    "E-F": [],
}


def write_fixture(store: GraphStore) -> None:
    """Store the organisations, entries, tasks, disputes and repairs of the table above."""
    store.upsert_organizations(list(ORGS.values()))
    entries = [
        make_entry("E-A", ORGS["A"].uscc, decided_on=_day("10-05"), source_region="430923"),
        make_entry(
            "E-B", ORGS["B"].uscc, list=ListKind.RED, decided_on=_day("10-20"), source_region="430923"
        ),
        make_entry(
            "E-C",
            ORGS["C"].uscc,
            domain=CreditDomain.ENVIRONMENT,
            decided_on=_day("10-12"),
            initiating_dept=ENV,
            source_region="430981",
        ),
        make_entry("E-D", ORGS["D"].uscc, decided_on=_day("09-28"), source_region="430923"),
        make_entry("E-F", ORGS["F"].uscc, decided_on=_day("08-01")),
    ]
    for entry in entries:
        store.write_step(EntryStep.create(entry, [], TASKS[entry.entry_id]))
    for dispute in (
        _dispute("d1", "E-C", "10-15"),
        _dispute("d2", "E-F", "09-25"),
        _dispute("d3", "E-A", "10-02").model_copy(
            update={"status": DisputeStatus.UPHELD, "resolved_by": TAX, "resolved_on": _day("10-03")}
        ),
    ):
        store.write_step(EntryStep(dispute=dispute))
    for repair in (
        _repair("r1", "E-D", "10-10", RepairStatus.APPROVED, "10-25"),
        _repair("r2", "E-A", "10-28", RepairStatus.PENDING, None),
        _repair("r3", "E-B", "09-30", RepairStatus.REJECTED, "10-02"),
    ):
        store.write_step(EntryStep(repair=repair))


def _dispute(dispute_id: str, entry_id: str, filed: str) -> Dispute:
    filed_on = _day(filed)
    return Dispute(
        dispute_id=dispute_id,
        entry_id=entry_id,
        grounds="异议",
        filed_by="申请人",
        filed_on=filed_on,
        due_on=filed_on + dt.timedelta(days=20),
    )


def _repair(
    repair_id: str, entry_id: str, filed: str, status: RepairStatus, decided: str | None
) -> RepairApplication:
    return RepairApplication(
        repair_id=repair_id,
        entry_id=entry_id,
        evidence="整改材料",
        applied_by="申请人",
        applied_on=_day(filed),
        status=status,
        decided_by=TAX if decided else None,
        decided_on=_day(decided) if decided else None,
    )
