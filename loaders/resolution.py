"""Resolving unresolved persons: a row that gives the full ID for an organisation + name pair.

An unresolved person (``~uscc~name``) is never matched to anyone by name alone. Only a row that names the
same organisation *and* the same name *and* a full ID number resolves it: the store merges the unresolved
node into the identified person (:meth:`GraphStore.resolve_person`, relations and entry links move, their
history is kept). The run remembers the merge so later rows of the same load that still name the person
by organisation + name reach the identified person instead of re-creating the unresolved one.
"""

from __future__ import annotations

from collections.abc import Iterable

from graph_service.domain.model import Person, is_unresolved_key
from loaders.report import FileReport
from loaders.run import Run


def resolve_candidates(run: Run, report: FileReport, candidates: Iterable[tuple[str, Person]]) -> None:
    """Merge every stored unresolved key among ``candidates`` (``(unresolved key, person)``) into its person.

    The person is created first if neither this load nor the store has it (its fields come from the row);
    a stored person keeps its stored fields. Keys already merged in this run are skipped.
    """
    pending: dict[str, Person] = {}
    for key, person in candidates:
        if key not in run.resolved:
            pending.setdefault(key, person)
    if not pending:
        return
    stored = pending.keys() - run.unknown(pending)
    for key in sorted(stored):
        person = pending[key]
        if run.unknown([person.key]):
            if not run.dry_run:
                run.store.upsert_persons([person])
            report.subjects_created += 1
        elif not run.dry_run:
            # Pass the stored person so the merge cannot overwrite its fields with this row's.
            stored_person = run.store.get_subjects([person.key]).get(person.key)
            person = stored_person if isinstance(stored_person, Person) else person
        if not run.dry_run:
            run.store.resolve_person(key, person)
        run.resolved[key] = person.key
        run.known.discard(key)
        run.known.add(person.key)
        report.resolved_persons += 1


def resolved_key(run: Run, key: str) -> str:
    """``key``, or the ID number it was resolved to earlier in this run."""
    return run.resolved.get(key, key) if is_unresolved_key(key) else key
