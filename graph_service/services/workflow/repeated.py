"""The watch-list rule for repeated minor violations, applied when penalties are loaded (武汉市 四(六)).

"对…多次发生轻微失信行为相关主体列入重点关注名单": after a load writes administrative penalties, each
penalised subject's penalties are read back and the catalog's :class:`RepeatedPenaltiesRule` derives the
watch entries they call for (:mod:`graph_service.domain.repeated_penalties`). Each goes through the load
door like a loaded entry — initiated with its tasks, pushes, feed event and a history record "created by
rule <id> (<document>) on load <file>" — so it is one lifecycle whichever door a decision came in by.

Idempotent: the same penalties derive the same entry ids, and an entry already stored is left unchanged
(or amended, when a later penalty joined its window). Penalties that are already the basis of a stored
watch entry of the rule never start a second one, even when a penalty loaded late shifts the windows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graph_service.domain.model import ListEntry, ListKind
from graph_service.domain.repeated_penalties import derive_watch_entries
from graph_service.services.workflow.intake import LoadDoor, Outcome, admit_decision
from graph_service.store.base import GraphStore


@dataclass
class RuleOutcomes:
    """What applying the rule did: the entry ids by outcome (created, updated, unchanged)."""

    by_outcome: dict[Outcome, list[str]] = field(default_factory=dict)

    def add(self, outcome: Outcome, entry_id: str) -> None:
        self.by_outcome.setdefault(outcome, []).append(entry_id)

    def count(self, outcome: Outcome) -> int:
        return len(self.by_outcome.get(outcome, []))


def apply_repeated_penalties(
    store: GraphStore, door: LoadDoor, subject_ids: Iterable[str], *, file: str
) -> RuleOutcomes:
    """Re-evaluate the catalog's repeated-penalties rule for these (penalised) subjects.

    Nothing happens when the catalog has no such rule. Refusals of the lifecycle (``Conflict``,
    ``InvalidInput``, ``NotFound``) propagate for the caller to report.
    """
    outcomes = RuleOutcomes()
    rule = door.catalog.repeated_penalties
    if rule is None:
        return outcomes
    by = f"rule {rule.id} ({rule.source.document}) on load {file}"
    for subject_id in sorted(set(subject_ids)):
        penalties = store.penalties_for([subject_id])
        derived = derive_watch_entries(rule, subject_id, penalties, region=door.policy.home_region)
        if not derived:
            continue
        stored = store.entries_for([subject_id])
        stored_ids = {e.entry_id for e in stored}
        for entry in derived:
            if entry.entry_id not in stored_ids and _already_cited(entry, stored, rule.initiating_dept):
                continue
            outcomes.add(admit_decision(store, door, entry, by=by), entry.entry_id)
    return outcomes


def _already_cited(entry: ListEntry, stored: Iterable[ListEntry], department: str) -> bool:
    """Whether a stored watch entry of the rule already cites one of ``entry``'s penalties."""
    wanted = set((entry.basis or "").split("；"))
    return any(
        e.list is ListKind.WATCH
        and e.initiating_dept == department
        and wanted & set((e.basis or "").split("；"))
        for e in stored
    )
