"""What one related-party check reads from the graph, as one value (see :meth:`GraphPort.check_view`).

A check asks about a dozen questions (the walk, the data version, the nodes, entries and personal links
of everyone reached, the entries those links name). Asked of a store one by one they are a dozen reads;
a :class:`CheckView` holds every answer, fetched however the backend does it best, and answers the same
questions the same way the port does (same filters, same orders) — for the subjects reached only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from graph_service.domain.masked_ids import parse_masked_debtor_key
from graph_service.domain.model import EntryFilter, ListEntry, Neighbourhood, Person, Subject
from graph_service.domain.penalty import PenaltyRecord
from graph_service.domain.propagation import PersonalLink
from graph_service.store import contract


class CheckReads(Protocol):
    """The reads a check makes about the subjects it reached: a store, or a :class:`CheckView`."""

    def get_subjects(self, ids: Iterable[str]) -> dict[str, Subject]: ...

    def get_entries(self, entry_ids: Iterable[str]) -> dict[str, ListEntry]: ...

    def entries_for(self, subject_ids: Iterable[str], flt: EntryFilter | None = None) -> list[ListEntry]: ...

    def links_for(self, person_ids: Iterable[str]) -> list[PersonalLink]: ...


def is_masked_namesake(origin: Subject, subject: Subject) -> bool:
    """Whether ``subject`` is a court debtor kept as published (``~m~<masked ID>~<name>``) under the name
    of ``origin``, a person with an ID number: the candidates of the check's possible matches.

    Same name means the name in the debtor's key and its stored name both equal the person's (the court
    loader writes both from the one published name). Whether the ID number fits is the check's rule.
    """
    if not isinstance(origin, Person) or origin.id_number is None:
        return False
    parsed = parse_masked_debtor_key(subject.key)
    return parsed is not None and parsed[1] == origin.name and subject.name == origin.name


@dataclass(frozen=True)
class Namesake:
    """A masked court debtor of the checked person's name (:func:`is_masked_namesake`) and the entries on
    it, any status, by entry id (as :meth:`GraphPort.entries_for` answers for it)."""

    subject: Subject
    entries: tuple[ListEntry, ...]


def namesakes_of(
    origin: Subject | None, candidates: Iterable[Subject], entries: Iterable[ListEntry]
) -> tuple[Namesake, ...]:
    """The :class:`Namesake` s of ``origin`` among ``candidates`` (a superset, any order, repeats allowed),
    by key, each with its entries among ``entries`` (any order, entries of other subjects ignored)."""
    if origin is None:
        return ()
    kept = {s.key: s for s in candidates if is_masked_namesake(origin, s)}
    on: dict[str, dict[str, ListEntry]] = {key: {} for key in kept}
    for entry in entries:
        if entry.subject_id in on:
            on[entry.subject_id][entry.entry_id] = entry
    return tuple(
        Namesake(subject=kept[key], entries=tuple(entry for _, entry in sorted(on[key].items())))
        for key in sorted(kept)
    )


class NotInView(LookupError):
    """A check asked its view about a subject the walk did not reach (a bug in the caller)."""


@dataclass(frozen=True)
class CheckView:
    """A walk and what it reached, in the port's orders; two views are equal when every answer is.

    ``entries_on`` and ``links_of`` have a (possibly empty) list for every subject reached, ``entries``
    every entry on a reached subject or named by a reached subject's link, by id; ``penalties`` are the
    administrative penalties of the subject checked (its green channel reads them); ``namesakes`` the
    masked court debtors of its name when it is a person with an ID number (:func:`is_masked_namesake`:
    its possible matches are read from them), by key, with their entries — every one, never the first
    few of a search.
    """

    neighbourhood: Neighbourhood
    data_version: int
    subjects: Mapping[str, Subject]  # the reached subjects that are stored, by key
    entries_on: Mapping[str, list[ListEntry]]  # subject key -> entries on it, any status, by entry id
    links_of: Mapping[str, list[PersonalLink]]  # subject key -> its personal links, by entry id
    entries: Mapping[str, ListEntry]  # entry id -> entry
    penalties: tuple[PenaltyRecord, ...] = ()  # of the subject checked, by (decision number, subject)
    namesakes: tuple[Namesake, ...] = ()  # masked court debtors of the checked person's name, by key
    # Every part read from the one state ``data_version`` names (the embedded store reads a view under its
    # lock). False where that is not known: Neo4j reads with read-committed isolation, so a write may
    # commit while a view is read, which then carries the new version beside entries read before it —
    # right for its own check, which raced the write, but no key for answers held until the next write
    # (services/checks/held_reaches.py). Not part of a view's answers, so not of its equality.
    snapshot: bool = field(default=False, compare=False)

    @classmethod
    def of(
        cls,
        walk: Neighbourhood,
        data_version: int,
        subjects: Mapping[str, Subject],
        on: Iterable[ListEntry],
        links: Iterable[PersonalLink],
        linked: Iterable[ListEntry],
        penalties: Iterable[PenaltyRecord] = (),
        namesakes: tuple[Namesake, ...] = (),
    ) -> CheckView:
        """A view from the answers of the ordinary reads (entries on, links of and linked entries of
        the subjects of ``walk``, the penalties of its origin; each once, any order) and the origin's
        :func:`namesakes_of`."""
        reached = sorted(walk.paths)
        entries_on: dict[str, list[ListEntry]] = {key: [] for key in reached}
        links_of: dict[str, list[PersonalLink]] = {key: [] for key in reached}
        entries: dict[str, ListEntry] = {}
        for entry in sorted(on, key=lambda e: e.entry_id):
            entries_on[entry.subject_id].append(entry)
            entries[entry.entry_id] = entry
        for link in sorted(links, key=lambda link: (link.person_id, link.entry_id)):
            links_of[link.person_id].append(link)
        for entry in linked:
            entries.setdefault(entry.entry_id, entry)
        return cls(
            neighbourhood=walk,
            data_version=data_version,
            subjects={key: subjects[key] for key in reached if key in subjects},
            entries_on=entries_on,
            links_of=links_of,
            entries=dict(sorted(entries.items())),
            penalties=tuple(sorted(penalties, key=lambda p: (p.decision_number, p.subject_id))),
            namesakes=namesakes,
        )

    # The port's answers, for subjects reached (NotInView for others: the view never guesses).

    def get_subjects(self, ids: Iterable[str]) -> dict[str, Subject]:
        """As :meth:`GraphPort.get_subjects`."""
        return {key: self.subjects[key] for key in self._reached(ids) if key in self.subjects}

    def get_entries(self, entry_ids: Iterable[str]) -> dict[str, ListEntry]:
        """As :meth:`GraphPort.get_entries`, for entries on reached subjects or named by their links."""
        found: dict[str, ListEntry] = {}
        for entry_id in entry_ids:
            if entry_id not in self.entries:
                raise NotInView(f"entry {entry_id!r} is neither on a subject reached nor linked to one")
            found[entry_id] = self.entries[entry_id]
        return found

    def entries_for(self, subject_ids: Iterable[str], flt: EntryFilter | None = None) -> list[ListEntry]:
        """As :meth:`GraphPort.entries_for`."""
        found = {e.entry_id: e for key in self._reached(subject_ids) for e in self.entries_on[key]}
        passing = (e for e in found.values() if flt is None or contract.entry_matches(e, flt))
        return sorted(passing, key=lambda e: e.entry_id)

    def links_for(self, person_ids: Iterable[str]) -> list[PersonalLink]:
        """As :meth:`GraphPort.links_for`."""
        found = {link.key: link for key in self._reached(person_ids) for link in self.links_of[key]}
        return sorted(found.values(), key=lambda link: (link.person_id, link.entry_id))

    def penalties_for(self, subject_ids: Iterable[str]) -> list[PenaltyRecord]:
        """As :meth:`GraphPort.penalties_for`, for the subject checked only (the green channel's record)."""
        origin = self.neighbourhood.origin_id
        others = [key for key in subject_ids if key != origin]
        if others:
            raise NotInView(f"the view holds the penalties of {origin} only, not of {others}")
        return list(self.penalties)

    def _reached(self, ids: Iterable[str]) -> list[str]:
        keys = list(dict.fromkeys(ids))
        missing = [key for key in keys if key not in self.entries_on]
        if missing:
            origin = self.neighbourhood.origin_id
            raise NotInView(f"subjects not reached by the walk from {origin}: {missing}")
        return keys
