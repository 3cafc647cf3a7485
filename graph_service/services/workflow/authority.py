"""谁认定、谁修复: who may change an entry — the region that decided it, and there its listing department.

Disputes, corrections, repairs and revocations belong to the body that listed the subject (安化县实施意见
(四)2 "谁认定、谁修复"; 湖南省实施意见 (三)4). Both halves of the rule live here:

* the region: an entry decided in another region (``source_region`` ≠ home) reaches us through the feed
  (互认) and leaves the same way when its origin repairs or revokes it; changing our copy would fork the
  decision (:func:`require_decided_here`);
* the department: a decision on a dispute, a revocation or a repair is the initiating department's, or
  the credit office's (admin) (:func:`require_initiating_dept`).

And the trust a key carries: a key is a department and acts only as itself. It initiates entries in its
own name and for its own region (:func:`require_may_initiate`), and sees and answers only its own
implementation tasks (:func:`department_scope`, :func:`require_own_task`); the credit office (admin)
acts for any department.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.domain.model import ListEntry
from graph_service.domain.workflow import Task
from graph_service.errors import Conflict, NotPermitted
from graph_service.services.workflow.state import Policy


@dataclass(frozen=True)
class Decider:
    """Who decides: a department (its key's name) and whether it is the credit office (admin)."""

    department: str
    admin: bool = False


def require_decided_here(entry: ListEntry, policy: Policy) -> None:
    """``Conflict`` naming the deciding region if another region decided ``entry``."""
    origin = entry.source_region
    if policy.home_region is None or origin is None or origin == policy.home_region:
        return
    raise Conflict(
        f"entry {entry.entry_id!r} was decided in region {origin}, not here ({policy.home_region}): "
        f"file disputes and repair applications with the deciding region; its changes arrive by the feed",
        errors=[{"entry_id": entry.entry_id, "source_region": origin, "home_region": policy.home_region}],
    )


def require_initiating_dept(entry: ListEntry, decider: Decider) -> None:
    """``NotPermitted`` unless ``decider`` is the entry's initiating department or an admin."""
    if decider.admin or decider.department == entry.initiating_dept:
        return
    raise NotPermitted(
        f"Only the initiating department {entry.initiating_dept!r} (or an admin) decides on entry "
        f"{entry.entry_id!r}; your key is {decider.department!r}."
    )


def require_may_initiate(entry: ListEntry, decider: Decider, policy: Policy) -> ListEntry:
    """The entry as it may be initiated here by ``decider``, or ``NotPermitted`` naming both values.

    A department lists in its own name (``initiating_dept`` = its key's department; the credit office may
    enter any department's decision). Every entry created here is decided here: ``source_region`` is the
    home region (filled in when absent); another region's decisions arrive only by the feed.
    """
    if not decider.admin and entry.initiating_dept != decider.department:
        raise NotPermitted(
            f"initiating_dept {entry.initiating_dept!r} is not your department {decider.department!r}: "
            f"a key lists entries in its own department's name only",
            errors=[{"field": "initiating_dept", "value": entry.initiating_dept, "key": decider.department}],
        )
    home = policy.home_region
    if home is None or entry.source_region == home:
        return entry
    if entry.source_region is not None:
        raise NotPermitted(
            f"source_region {entry.source_region!r} is not this county's region {home!r}: entries created "
            f"here are decided here; another region's decisions arrive by the feed",
            errors=[{"field": "source_region", "value": entry.source_region, "home_region": home}],
        )
    return entry.model_copy(update={"source_region": home})


def department_scope(asked: str | None, decider: Decider) -> str | None:
    """Whose tasks ``decider`` may list: its own department's; the credit office any (None = all)."""
    if decider.admin:
        return asked
    if asked is not None and asked != decider.department:
        raise NotPermitted(
            f"dept {asked!r} is not your department {decider.department!r}: a department sees its own "
            f"tasks only",
            errors=[{"field": "dept", "value": asked, "key": decider.department}],
        )
    return decider.department


def require_own_task(task: Task, decider: Decider) -> None:
    """``NotPermitted`` unless the task is ``decider``'s department's (or ``decider`` is an admin)."""
    if decider.admin or task.department == decider.department:
        return
    raise NotPermitted(
        f"task {task.task_id!r} belongs to {task.department!r}, not to your department "
        f"{decider.department!r}: a department answers its own tasks only"
    )


def decided_here(entry: ListEntry, policy: Policy) -> bool:
    """Whether this county decided ``entry`` (谁认定、谁修复): the test of :func:`require_decided_here`."""
    origin = entry.source_region
    return policy.home_region is None or origin is None or origin == policy.home_region
