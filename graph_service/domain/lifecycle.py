"""Lifecycle rules of list entries and implementation tasks (发起 → 推送 → 执行 → 反馈, 异议, 信用修复).

Entry states and the actions that move between them::

    active --dispute--> disputed --uphold/correct--> active
    active --repair---> repaired            (terminal; 谁认定、谁修复: decided by the initiating department)
    active|disputed --revoke--> revoked     (terminal)
    active --amend--> active                (a later export of the same decision changes its fields)
    active --suspend--> suspended --reinstate--> active   (a red entry while its subject is blacklisted)
    suspended --revoke--> revoked

While disputed, every measure and task of the entry is suspended:
"联合惩戒措施在信息核实期间暂不执行" (安化县实施意见; 云浮市实施方案).
The verification deadline is 20 days from filing:
"信息提供单位要在收到核查通知之日起20日内核实" (安化县实施意见).
Feedback is due before the 22nd of the month after a task was created:
"每月22日前，发起部门和实施部门将联合奖惩的实施情况反馈至市信用办" (武汉市实施方案).
An entry expires the day after its ``valid_until`` (退出机制: 安化县实施意见, 云浮市实施方案 (二十三)): its
measures stop without a decision, so a dispute or a repair of it has nothing left to stop.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

from graph_service.domain.model import EntryStatus

DISPUTE_VERIFICATION_DAYS = 20
FEEDBACK_DAY_OF_MONTH = 22


class EntryAction(StrEnum):
    DISPUTE = "dispute"
    UPHOLD = "uphold"
    CORRECT = "correct"
    REVOKE = "revoke"
    REPAIR = "repair"
    AMEND = "amend"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


ENTRY_TRANSITIONS: dict[EntryStatus, dict[EntryAction, EntryStatus]] = {
    EntryStatus.ACTIVE: {
        EntryAction.DISPUTE: EntryStatus.DISPUTED,
        EntryAction.REPAIR: EntryStatus.REPAIRED,
        EntryAction.REVOKE: EntryStatus.REVOKED,
        EntryAction.AMEND: EntryStatus.ACTIVE,
        EntryAction.SUSPEND: EntryStatus.SUSPENDED,
    },
    EntryStatus.DISPUTED: {
        EntryAction.UPHOLD: EntryStatus.ACTIVE,
        EntryAction.CORRECT: EntryStatus.ACTIVE,
        EntryAction.REVOKE: EntryStatus.REVOKED,
    },
    EntryStatus.SUSPENDED: {
        EntryAction.REINSTATE: EntryStatus.ACTIVE,
        EntryAction.REVOKE: EntryStatus.REVOKED,
    },
    EntryStatus.REPAIRED: {},
    EntryStatus.REVOKED: {},
}


class IllegalTransition(ValueError):
    """An action not allowed from the current state; ``allowed`` lists what is."""

    def __init__(self, subject: str, state: str, action: str, allowed: list[str]) -> None:
        options = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(f"{subject} is {state}: '{action}' is not allowed; allowed: {options}")
        self.state = state
        self.action = action
        self.allowed = allowed


#: Actions that open a proceeding against the measures: pointless once the entry has expired.
NOT_AFTER_EXPIRY = frozenset({EntryAction.DISPUTE, EntryAction.REPAIR, EntryAction.SUSPEND})

#: Actions no caller asks for by name: a department's later export amends its decision (loads), and the
#: red/black exclusion suspends and reinstates red entries (:mod:`graph_service.domain.exclusion`). They
#: are not offered in an :class:`IllegalTransition`'s list of what is allowed.
UNREQUESTED = frozenset({EntryAction.AMEND, EntryAction.SUSPEND, EntryAction.REINSTATE})


def is_expired(valid_until: dt.date | None, today: dt.date) -> bool:
    """Expired from the day after ``valid_until``; the last valid day itself is still enforced."""
    return valid_until is not None and today > valid_until


def entry_actions(current: EntryStatus, *, expired: bool = False) -> dict[EntryAction, EntryStatus]:
    """The actions allowed from ``current`` (an expired entry may still be resolved or revoked)."""
    allowed = ENTRY_TRANSITIONS[current]
    return {a: s for a, s in allowed.items() if not (expired and a in NOT_AFTER_EXPIRY)}


def next_entry_status(current: EntryStatus, action: EntryAction, *, expired: bool = False) -> EntryStatus:
    """The status after ``action``, or :class:`IllegalTransition` listing the allowed actions."""
    allowed = entry_actions(current, expired=expired)
    if action not in allowed:
        state = f"{current.value} (expired)" if expired else current.value
        offered = [a.value for a in allowed if a not in UNREQUESTED]
        raise IllegalTransition("entry", state, action.value, offered)
    return allowed[action]


class TaskStatus(StrEnum):
    PENDING = "pending"  # pushed, awaiting the department's feedback
    APPLIED = "applied"
    NOT_APPLIED = "not_applied"  # with a reason (Zhongshan practice: tick, or say why not)
    NOT_APPLICABLE = "not_applicable"
    SUSPENDED = "suspended"  # the entry is disputed
    LIFTED = "lifted"  # the entry was repaired, revoked or expired


class FeedbackOutcome(StrEnum):
    APPLIED = "applied"
    NOT_APPLIED = "not_applied"
    NOT_APPLICABLE = "not_applicable"


OPEN_TASK_STATES = frozenset(
    {TaskStatus.PENDING, TaskStatus.APPLIED, TaskStatus.NOT_APPLIED, TaskStatus.NOT_APPLICABLE}
)


def task_after_feedback(current: TaskStatus, outcome: FeedbackOutcome) -> TaskStatus:
    """Feedback may be given or revised while a task is pending or answered.

    Never when the task is suspended or lifted.
    """
    if current in (TaskStatus.SUSPENDED, TaskStatus.LIFTED):
        raise IllegalTransition(
            "task",
            current.value,
            "feedback",
            ["none until the dispute is resolved"] if current is TaskStatus.SUSPENDED else [],
        )
    return TaskStatus(outcome.value)


def task_after_entry(
    current: TaskStatus, entry_status: EntryStatus, previous: TaskStatus | None
) -> TaskStatus:
    """A task's state after its entry changes: suspended while disputed, lifted when repaired or revoked.

    ``previous`` is the state before suspension, restored when the dispute is upheld or corrected.
    """
    if current is TaskStatus.LIFTED:
        return current
    if entry_status in (EntryStatus.DISPUTED, EntryStatus.SUSPENDED):
        return TaskStatus.SUSPENDED
    if entry_status in (EntryStatus.REPAIRED, EntryStatus.REVOKED):
        return TaskStatus.LIFTED
    if current is TaskStatus.SUSPENDED:
        return previous or TaskStatus.PENDING
    return current


def feedback_deadline(created_on: dt.date, day_of_month: int = FEEDBACK_DAY_OF_MONTH) -> dt.date:
    """The ``day_of_month`` of the month after creation (clamped to the month's last day)."""
    year, month = (
        (created_on.year + 1, 1) if created_on.month == 12 else (created_on.year, created_on.month + 1)
    )
    return dt.date(year, month, min(day_of_month, calendar.monthrange(year, month)[1]))


def dispute_deadline(filed_on: dt.date, days: int = DISPUTE_VERIFICATION_DAYS) -> dt.date:
    """Last day of verification: ``days`` days from the day the verification notice was received."""
    return filed_on + dt.timedelta(days=days)


def is_overdue(deadline: dt.date, today: dt.date) -> bool:
    """Overdue from the day after the deadline; the deadline day itself is still in time."""
    return today > deadline
