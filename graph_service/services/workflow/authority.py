"""谁认定、谁修复: who may change an entry — the region that decided it, and there its listing department.

Disputes, corrections, repairs and revocations belong to the body that listed the subject (安化县实施意见
(四)2 "谁认定、谁修复"; 湖南省实施意见 (三)4). Both halves of the rule live here:

* the region: an entry decided in another region (``source_region`` ≠ home) reaches us through the feed
  (互认) and leaves the same way when its origin repairs or revokes it; changing our copy would fork the
  decision (:func:`require_decided_here`);
* the department: a decision on a dispute, a revocation or a repair is the initiating department's, or
  the credit office's (admin) (:func:`require_initiating_dept`).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph_service.domain.model import ListEntry
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
