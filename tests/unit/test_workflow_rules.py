"""Pure rules of the workflow: deadlines on boundary days, expiry, transitions, push events, retries."""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.disclosure import is_disclosed, public_filter, public_key
from graph_service.domain.lifecycle import (
    EntryAction,
    IllegalTransition,
    TaskStatus,
    dispute_deadline,
    feedback_deadline,
    is_expired,
    is_overdue,
    next_entry_status,
)
from graph_service.domain.model import EntryStatus, ListKind
from graph_service.domain.webhooks import (
    DeliveryStatus,
    TaskEvent,
    backoff,
    event_for,
    failed,
    new_delivery,
    requeued,
    signature,
)
from graph_service.domain.workflow import Task
from graph_service.store.contract import entry_matches
from tests.factories import make_entry, make_org, make_person

D = dt.date.fromisoformat
AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("created", "day", "due"),
    [
        ("2026-01-01", 22, "2026-02-22"),
        ("2026-01-31", 22, "2026-02-22"),  # a month end: the next month is February
        ("2026-02-28", 22, "2026-03-22"),
        ("2026-12-31", 22, "2027-01-22"),  # the year turns
        ("2026-01-31", 31, "2026-02-28"),  # no 31 February: its last day
        ("2028-01-31", 30, "2028-02-29"),  # leap year
        ("2026-05-10", 1, "2026-06-01"),
    ],
)
def test_feedback_is_due_on_the_configured_day_of_the_next_month(created: str, day: int, due: str) -> None:
    assert feedback_deadline(D(created), day) == D(due)


def test_the_due_day_is_in_time_and_the_day_after_is_overdue() -> None:
    due = D("2026-02-22")
    assert [is_overdue(due, D(d)) for d in ("2026-02-21", "2026-02-22", "2026-02-23")] == [False, False, True]


def test_a_dispute_is_verified_within_20_days_of_filing() -> None:
    assert dispute_deadline(D("2026-03-01")) == D("2026-03-21")
    assert dispute_deadline(D("2026-12-20")) == D("2027-01-09")
    assert dispute_deadline(D("2026-03-01"), 5) == D("2026-03-06")


def test_an_entry_expires_the_day_after_its_last_valid_day() -> None:
    assert [is_expired(D("2026-06-30"), D(d)) for d in ("2026-06-30", "2026-07-01")] == [False, True]
    assert not is_expired(None, D("2099-01-01"))


def test_an_expired_entry_may_be_revoked_or_resolved_but_not_disputed_or_repaired() -> None:
    assert next_entry_status(EntryStatus.ACTIVE, EntryAction.REVOKE, expired=True) is EntryStatus.REVOKED
    assert next_entry_status(EntryStatus.DISPUTED, EntryAction.UPHOLD, expired=True) is EntryStatus.ACTIVE
    for action in (EntryAction.DISPUTE, EntryAction.REPAIR):
        with pytest.raises(IllegalTransition) as caught:
            next_entry_status(EntryStatus.ACTIVE, action, expired=True)
        assert (caught.value.state, caught.value.allowed) == ("active (expired)", ["revoke"])


def _task(status: TaskStatus = TaskStatus.PENDING, version: int = 1) -> Task:
    return Task(
        task_id="t1",
        entry_id="E-1",
        measure_id="market_ban",
        subject_id=make_org(1).uscc,
        via="self",
        department="市场监管部门",
        status=status,
        created_on=D("2026-03-01"),
        due_on=D("2026-04-22"),
        version=version,
    )


@pytest.mark.parametrize(
    ("before", "after", "event"),
    [
        (None, TaskStatus.PENDING, TaskEvent.CREATED),
        (TaskStatus.PENDING, TaskStatus.SUSPENDED, TaskEvent.SUSPENDED),
        (TaskStatus.APPLIED, TaskStatus.SUSPENDED, TaskEvent.SUSPENDED),
        (TaskStatus.SUSPENDED, TaskStatus.APPLIED, TaskEvent.RESTORED),
        (TaskStatus.SUSPENDED, TaskStatus.LIFTED, TaskEvent.LIFTED),
        (TaskStatus.PENDING, TaskStatus.LIFTED, TaskEvent.LIFTED),
        (TaskStatus.PENDING, TaskStatus.APPLIED, None),  # the department's own feedback
        (TaskStatus.APPLIED, TaskStatus.APPLIED, None),
    ],
)
def test_only_changes_a_department_must_hear_about_are_pushed(
    before: TaskStatus | None, after: TaskStatus, event: TaskEvent | None
) -> None:
    old = None if before is None else _task(before)
    assert event_for(old, _task(after, 1 if old is None else 2)) is event


def test_each_task_version_is_one_delivery_id() -> None:
    first = new_delivery(None, _task(), AT)
    lifted = new_delivery(_task(), _task(TaskStatus.LIFTED, 2), AT)
    assert first is not None and lifted is not None
    assert first.delivery_id != lifted.delivery_id
    assert first.delivery_id == new_delivery(None, _task(), AT + dt.timedelta(hours=1)).delivery_id  # type: ignore[union-attr]


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    waits = [backoff(n, 30, 600).total_seconds() for n in range(1, 7)]
    assert waits == [30, 60, 120, 240, 480, 600]


def test_the_last_allowed_failure_makes_a_dead_letter_and_a_requeue_starts_over() -> None:
    delivery = new_delivery(None, _task(), AT)
    assert delivery is not None
    once = failed(delivery, AT, "HTTP 502", max_attempts=2, base_s=30, cap_s=600)
    assert (once.status, once.attempts, once.next_attempt_at) == (
        DeliveryStatus.PENDING,
        1,
        AT + dt.timedelta(seconds=30),
    )
    twice = failed(once, AT, "HTTP 502", max_attempts=2, base_s=30, cap_s=600)
    assert (twice.status, twice.attempts, twice.last_error, twice.version) == (
        DeliveryStatus.DEAD,
        2,
        "HTTP 502",
        3,
    )
    again = requeued(twice, AT)
    assert (again.status, again.attempts, again.version) == (DeliveryStatus.PENDING, 0, 4)


def test_the_signature_covers_the_timestamp_and_every_byte_of_the_body() -> None:
    base = signature("k" * 16, 1700000000, b'{"a":1}')
    assert len(base) == 64 and int(base, 16) >= 0
    assert base != signature("k" * 16, 1700000001, b'{"a":1}')
    assert base != signature("k" * 16, 1700000000, b'{"a":2}')
    assert base != signature("j" * 16, 1700000000, b'{"a":1}')


def test_only_effective_red_and_black_entries_are_disclosed() -> None:
    org = make_org(1).uscc
    today = D("2026-11-23")
    cases = {
        "black": make_entry("E-1", org),
        "red": make_entry("E-2", org, list=ListKind.RED),
        "watch": make_entry("E-3", org, list=ListKind.WATCH),
        "disputed": make_entry("E-4", org, status=EntryStatus.DISPUTED),
        "repaired": make_entry("E-5", org, status=EntryStatus.REPAIRED),
        "expired": make_entry("E-6", org, valid_until=D("2026-11-22")),
        "last day": make_entry("E-7", org, valid_until=today),
        "future": make_entry("E-8", org, decided_on=D("2026-11-24")),
    }
    shown = {name for name, entry in cases.items() if is_disclosed(entry, today)}
    assert shown == {"black", "red", "last day"}
    assert {n for n, e in cases.items() if entry_matches(e, public_filter(today))} == shown


def test_a_published_key_masks_an_id_number_but_not_a_uscc() -> None:
    person = make_person(1).key
    assert public_key(person) == person[:6] + "********" + person[14:]
    assert public_key(make_org(1).uscc) == make_org(1).uscc
