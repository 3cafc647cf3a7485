"""The related-party check (关联方联合惩戒核查): one call tells an approval system whether to proceed.

Orchestration only: the walk comes from the store, the rules from :mod:`graph_service.domain`.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graph_service.domain.identifiers import is_uscc_shaped, normalise_key, region_of_uscc
from graph_service.domain.masked_ids import fits, parse_masked_debtor_key
from graph_service.domain.measures import Catalog, MeasureKind
from graph_service.domain.model import (
    EntryFilter,
    EntryStatus,
    ListEntry,
    ListKind,
    Organization,
    Path,
    Person,
    Subject,
)
from graph_service.domain.propagation import PersonalLink, Reach, reaches_of_self, reaches_via_link
from graph_service.domain.verdict import Verdict, decide, green_channel
from graph_service.services.checks.held_reaches import (
    HUB_LINKS,
    HeldReaches,
    HitParts,
    PersonReaches,
    held_for,
)
from graph_service.services.checks.models import (
    CheckRequest,
    CheckResult,
    EntryBrief,
    Hit,
    MeasureApplied,
    PathElement,
    PathRelation,
    PathSubject,
    PossibleMatch,
    SubjectRef,
    SuspendedEntry,
)
from graph_service.store.base import GraphStore
from graph_service.store.check_view import CheckReads, CheckView

_LIVE = frozenset({EntryStatus.ACTIVE, EntryStatus.DISPUTED})
_HIT_LISTS = frozenset({ListKind.BLACK, ListKind.WATCH, ListKind.ABNORMAL})


def subject_ref(subject_id: str, subject: Subject | None) -> SubjectRef:
    if subject is None:
        return SubjectRef(id=subject_id, known=False)
    if isinstance(subject, Person):
        return SubjectRef(
            id=subject.key,
            name=subject.name,
            kind=subject.subject_kind,
            region=subject.region,
            unresolved=subject.unresolved,
        )
    return SubjectRef(id=subject.uscc, name=subject.name, kind=subject.subject_kind, region=subject.region)


def entry_brief(entry: ListEntry) -> EntryBrief:
    return EntryBrief(
        entry_id=entry.entry_id,
        list=entry.list,
        domain=entry.domain,
        status=entry.status,
        source_region=entry.source_region,
        initiating_dept=entry.initiating_dept,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
    )


def measure_applied(reach: Reach, catalog: Catalog) -> MeasureApplied:
    measure = catalog.get(reach.measure_id)
    return MeasureApplied(
        measure=measure.id,
        name=measure.name,
        kind=measure.kind.value,
        mandatory=measure.mandatory,
        entry_id=reach.entry_id,
        via=reach.via,
        org_id=reach.org_id,
    )


@dataclass
class ReachState:
    """What reaches each subject of a neighbourhood on the check date."""

    effective: dict[str, list[Reach]] = field(default_factory=lambda: defaultdict(list))
    suspended: dict[str, list[ListEntry]] = field(default_factory=lambda: defaultdict(list))
    own_entries: dict[str, list[ListEntry]] = field(default_factory=lambda: defaultdict(list))
    entries: dict[str, ListEntry] = field(default_factory=dict)  # every live entry seen, by id
    held: dict[str, PersonReaches] = field(default_factory=dict)  # hub persons', as held (held_reaches)

    def add_held(self, person_id: str, reaches: PersonReaches) -> None:
        """Take a hub person's held reaches as :func:`collect_reaches` would have found them."""
        if reaches.own_entries:
            self.own_entries[person_id].extend(reaches.own_entries)
        if reaches.effective:
            self.effective[person_id].extend(reaches.effective)
        if reaches.suspended:
            self.suspended[person_id].extend(reaches.suspended)
        self.entries.update(reaches.entries)
        self.held[person_id] = reaches


def collect_reaches(
    store: CheckReads,
    subject_ids: list[str],
    as_of: dt.date,
    catalog: Catalog,
    held: HeldReaches | None = None,
) -> ReachState:
    """Measures reaching each subject from live entries — its own, and (persons) through personal links.

    With ``held`` and a view read in one snapshot (:attr:`CheckView.snapshot`), a person with at least
    :data:`HUB_LINKS` links has theirs read from (or computed into) ``held`` at the view's data version:
    the same answer, once per version and date.
    """
    state = ReachState()
    if held is not None and isinstance(store, CheckView) and store.snapshot:
        links_of = store.links_of
        hubs = [s for s in subject_ids if len(links_of[s]) >= HUB_LINKS and not is_uscc_shaped(s)]
        for person_id in hubs:
            reaches = held.get(
                store.data_version,
                person_id,
                as_of,
                catalog,
                functools.partial(_person_reaches, store, person_id, as_of, catalog),
            )
            state.add_held(person_id, reaches)
        if hubs:
            held_ids = set(hubs)
            subject_ids = [s for s in subject_ids if s not in held_ids]
    _collect_into(state, store, subject_ids, as_of, catalog)
    return state


def _person_reaches(view: CheckView, person_id: str, as_of: dt.date, catalog: Catalog) -> PersonReaches:
    """What :func:`collect_reaches` finds for ``person_id`` alone, and their part of a hit."""
    alone = ReachState()
    _collect_into(alone, view, [person_id], as_of, catalog)
    return PersonReaches(
        own_entries=tuple(alone.own_entries.get(person_id, ())),
        effective=tuple(alone.effective.get(person_id, ())),
        suspended=tuple(alone.suspended.get(person_id, ())),
        entries=dict(alone.entries),
        hit=_hit_parts(person_id, view.subjects, alone, catalog, as_of),
    )


def _collect_into(
    state: ReachState, store: CheckReads, subject_ids: list[str], as_of: dt.date, catalog: Catalog
) -> None:
    own = _live_own_entries(store, subject_ids, as_of)
    for entry in own:
        state.entries[entry.entry_id] = entry
        state.own_entries[entry.subject_id].append(entry)
        if entry.effective_on(as_of):
            state.effective[entry.subject_id].extend(reaches_of_self(entry, catalog))
        else:
            state.suspended[entry.subject_id].append(entry)
    if isinstance(store, CheckView):  # only a subject with links can be reached through one
        links_of = store.links_of
        person_ids = [s for s in subject_ids if links_of[s] and not is_uscc_shaped(s)]
    else:
        person_ids = [s for s in subject_ids if not is_uscc_shaped(s)]
    if person_ids:
        links = _links_of(store, person_ids)
        linked = _live_entries(store, {link.entry_id for link in links}, as_of, known=own)
        state.entries.update(linked)
        for link in links:
            linked_entry = linked.get(link.entry_id)
            if linked_entry is None:
                continue
            reaches = reaches_via_link(linked_entry, link, catalog)
            if not reaches:
                continue
            if linked_entry.effective_on(as_of):
                state.effective[link.person_id].extend(reaches)
            else:
                state.suspended[link.person_id].append(linked_entry)


def _live_own_entries(store: CheckReads, subject_ids: list[str], as_of: dt.date) -> list[ListEntry]:
    """The live entries on ``subject_ids``, valid on ``as_of``: subject by subject, each's by entry id.

    From a view, read off its lists (each subject's already by entry id) rather than through
    :meth:`CheckView.entries_for`, which re-sorts them all by entry id — the order per subject, the only
    one :func:`collect_reaches` keeps, is the same.
    """
    if not isinstance(store, CheckView):
        return store.entries_for(subject_ids, EntryFilter(statuses=_LIVE, in_validity_on=as_of))
    entries_on = store.entries_on
    found = {e.entry_id: e for key in dict.fromkeys(subject_ids) for e in entries_on[key]}
    return [e for e in found.values() if e.status in _LIVE and e.in_validity(as_of)]


def _links_of(store: CheckReads, person_ids: list[str]) -> list[PersonalLink]:
    """:meth:`CheckReads.links_for` of the persons (``person_ids`` sorted, as the check passes them).

    From a view, its per-person lists (each by entry id) taken in the persons' order are already the
    port's order by (person, entry id), so they are read without sorting again.
    """
    if not isinstance(store, CheckView) or person_ids != sorted(person_ids):
        return store.links_for(person_ids)
    links_of = store.links_of
    return list({link.key: link for key in dict.fromkeys(person_ids) for link in links_of[key]}.values())


def _live_entries(
    store: CheckReads, entry_ids: set[str], as_of: dt.date, known: Iterable[ListEntry]
) -> dict[str, ListEntry]:
    found = {e.entry_id: e for e in known if e.entry_id in entry_ids}
    missing = entry_ids - found.keys()
    if missing:
        found.update(store.get_entries(sorted(missing)))
    return {k: e for k, e in found.items() if e.status in _LIVE and e.in_validity(as_of)}


def path_elements(path: Path, subjects: Mapping[str, Subject]) -> list[PathElement]:
    """A path as alternating subjects and relations, as approval systems display it."""

    def node(subject_id: str) -> PathSubject:
        s = subjects.get(subject_id)
        return PathSubject(id=subject_id, name=s.name if s else None, kind=s.subject_kind if s else None)

    elements: list[PathElement] = [node(path.start_id)]
    for step in path.steps:
        r = step.relation
        elements.append(
            PathRelation(
                role=r.kind.value,
                source_id=r.source_id,
                target_id=r.target_id,
                start_on=r.start_on,
                end_on=r.end_on,
                title=r.title,
                ratio=r.ratio,
            )
        )
        elements.append(node(step.to_id))
    return elements


def _check_id() -> str:
    """``uuid.uuid4().hex``, by the same bits: 16 random bytes with the version-4 and RFC 4122 variant
    bits set. Hand-written because ``UUID.__init__``'s argument checks cost more than the bytes (a check
    makes one per call)."""
    n = int.from_bytes(os.urandom(16), "big")
    n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # variant: RFC 4122
    n = (n & ~(0xF000 << 64)) | (4 << 76)  # version 4
    return f"{n:032x}"


def _county(subject: Subject | None) -> str | None:
    return subject.region if subject is not None else None


def _origins(entry_ids: Iterable[str], state: ReachState, fallback: str | None) -> set[str]:
    """Regions whose decisions make a hit: each entry's source region (else the listed organisation's).

    A person's region is the birthplace prefix of the ID number, not where anything was decided, so the
    cross-region flag looks at where the entries come from (互认 of other regions' decisions).
    """
    regions = set()
    for entry_id in entry_ids:
        entry = state.entries[entry_id]
        if entry.source_region:
            regions.add(entry.source_region)
        elif is_uscc_shaped(entry.subject_id):
            regions.add(region_of_uscc(entry.subject_id))
        elif fallback is not None:
            regions.add(fallback)
    return regions


def _hit_parts(
    subject_id: str, subjects: Mapping[str, Subject], state: ReachState, catalog: Catalog, as_of: dt.date
) -> HitParts | None:
    """The subject's part of a hit (its live entries on the hit lists, the punishments reaching it and
    the regions they come from), or None when it is no hit (its node is looked up in ``subjects`` only
    then: a view unpacks a subject when first asked)."""
    live_entries = [
        e for e in state.own_entries.get(subject_id, []) if e.list in _HIT_LISTS and e.effective_on(as_of)
    ]
    punishments = [
        r
        for r in state.effective.get(subject_id, [])
        if catalog.get(r.measure_id).kind is MeasureKind.PUNISHMENT
    ]
    if not live_entries and not punishments:
        return None
    origins = _origins(
        [e.entry_id for e in live_entries] + [r.entry_id for r in punishments],
        state,
        _county(subjects.get(subject_id)),
    )
    return HitParts(
        entries=tuple(entry_brief(e) for e in live_entries),
        measures=tuple(measure_applied(r, catalog) for r in punishments),
        origins=frozenset(origins),
    )


def run_check(
    store: GraphStore,
    catalog: Catalog,
    request: CheckRequest,
    *,
    as_of: dt.date,
    fan_out_limit: int,
    view: CheckView | None = None,
) -> CheckResult:
    """Check one subject for one scenario on ``as_of`` (the caller resolves "today").

    Everything it reads is one :meth:`GraphStore.check_view`: one snapshot (one statement on Neo4j).
    A batch passes the ``view`` it read already (:meth:`GraphStore.check_views`, for the key
    :meth:`GraphStore.key_held_for` gives and the request's depth, date and ``fan_out_limit``).
    """
    if view is None:
        # A person never loaded here may be held under the pseudonym a peer named them by.
        subject_id = store.key_held_for(normalise_key(request.subject_id))
        view = store.check_view(
            subject_id,
            depth=request.depth,
            as_of=None if request.include_history else as_of,
            limit_per_node=fan_out_limit,
        )
    else:
        subject_id = view.neighbourhood.origin_id
    walk, data_version = view.neighbourhood, view.data_version
    subject = view.subjects.get(subject_id)
    check_id = _check_id()
    if subject is None:
        return CheckResult(
            check_id=check_id,
            as_of=as_of,
            scenario=request.scenario,
            subject=subject_ref(subject_id, None),
            verdict=Verdict.PASS,
            green_channel=False,
            measures=[],
            hits=[],
            suspended=[],
            truncated=False,
            data_version=data_version,
            note=(
                "Subject not in the credit graph: no record found. "
                "Verify the identifier before relying on this pass."
            ),
        )

    ids = sorted(walk.paths)
    state = collect_reaches(view, ids, as_of, catalog, held_for(store))
    subjects = view.subjects  # the reached subjects stored, as view.get_subjects(ids) answers

    hits: list[Hit] = []
    # Only a subject with a live entry or a measure reaching it can be a hit (the rest of the walk is not
    # asked); hits are sorted below, so the order they are found in does not matter.
    candidates = (state.own_entries.keys() | state.effective.keys()) - {subject_id}
    for other_id in sorted(candidates & walk.paths.keys()):
        held_person = state.held.get(other_id)
        parts = (
            held_person.hit
            if held_person is not None
            else _hit_parts(other_id, subjects, state, catalog, as_of)
        )
        if parts is None:
            continue
        other = subjects.get(other_id)
        path = walk.paths[other_id]
        hits.append(
            Hit(
                subject_id=other_id,
                name=other.name if other else None,
                kind=other.subject_kind if other else None,
                region=_county(other),
                cross_region=bool(parts.origins - {subject.region}),
                hops=path.hops,
                path=path_elements(path, subjects),
                entries=list(parts.entries),
                measures=list(parts.measures),
            )
        )
    hits.sort(key=lambda h: (h.hops, h.subject_id))

    own_reaches = state.effective.get(subject_id, [])
    verdict = decide(own_reaches, request.scenario, catalog, has_hits=bool(hits))
    scenario_reaches = [r for r in own_reaches if catalog.get(r.measure_id).governs(request.scenario)]

    suspended = _suspended(state, subject_id, walk.paths.keys())
    # The record of the last three years is read only when it can matter (a pass).
    green = verdict is Verdict.PASS and green_channel(
        verdict,
        as_of=as_of,
        own_entries=_green_channel_entries(view, subject, catalog),
        is_person=isinstance(subject, Person),
        established_on=subject.established_on if isinstance(subject, Organization) else None,
        penalties=view.penalties_for([subject_id]),
    )
    possible = _possible_matches(view, subject, as_of) if isinstance(subject, Person) else []
    if possible and verdict is Verdict.PASS:
        verdict, green = Verdict.REVIEW, False
    return CheckResult(
        check_id=check_id,
        as_of=as_of,
        scenario=request.scenario,
        subject=subject_ref(subject_id, subject),
        verdict=verdict,
        green_channel=green,
        possible_matches=possible,
        measures=[measure_applied(r, catalog) for r in scenario_reaches],
        hits=hits,
        suspended=suspended,
        truncated=walk.truncated,
        data_version=data_version,
    )


def _possible_matches(view: CheckView, person: Person, as_of: dt.date) -> list[PossibleMatch]:
    """Court debtors kept as published (masked ID, name) whom this person fits, with their live entries.

    Only for a person with a full ID number: the debtors of the same name come with the check's view
    (:attr:`CheckView.namesakes`, every one of them, read in the view's one snapshot), and are kept when
    every visible character of the masked number is the person's.
    """
    number = person.id_number
    if number is None:
        return []
    found: list[PossibleMatch] = []
    for namesake in view.namesakes:
        other = namesake.subject
        parsed = parse_masked_debtor_key(other.key)
        if parsed is None or parsed[1] != person.name or not fits(parsed[0], number):
            continue
        live = [e for e in namesake.entries if e.list in _HIT_LISTS and e.effective_on(as_of)]
        if live:
            found.append(
                PossibleMatch(
                    subject_id=other.key,
                    name=other.name,
                    entries=[entry_brief(e) for e in live],
                    reason=f"published as {parsed[0]} {parsed[1]}: the name and every visible digit fit",
                )
            )
    return sorted(found, key=lambda m: m.subject_id)


def _suspended(state: ReachState, subject_id: str, ids: Iterable[str]) -> list[SuspendedEntry]:
    """Suspended entries (listed, not in effect on the date) of the subjects reached, by entry id.

    Which subject an entry is met through decides only whether it counts, never what is reported, so the
    subjects are taken in any order.
    """
    seen: dict[str, SuspendedEntry] = {}
    for sid in state.suspended.keys() & set(ids):
        for entry in state.suspended[sid]:
            if entry.list in _HIT_LISTS or sid == subject_id:
                seen.setdefault(
                    entry.entry_id,
                    SuspendedEntry(
                        entry_id=entry.entry_id,
                        subject_id=entry.subject_id,
                        list=entry.list,
                        domain=entry.domain,
                        source_region=entry.source_region,
                    ),
                )
    return sorted(seen.values(), key=lambda s: s.entry_id)


def _green_channel_entries(store: CheckReads, subject: Subject, catalog: Catalog) -> list[ListEntry]:
    """The subject's entries of any status and, for a person, the entries that reach it as a person.

    A link only counts when some measure reaches the person through it (a supervisor of a listed company
    who was not responsible has no bad record of his own).
    """
    if isinstance(store, CheckView):
        # The view's own lists, already by entry id (what entries_for / links_for would sort again).
        entries = list({e.entry_id: e for e in store.entries_on[subject.key]}.values())
    else:
        entries = store.entries_for([subject.key])
    if isinstance(subject, Person):
        if isinstance(store, CheckView):
            links = list({link.key: link for link in store.links_of[subject.key]}.values())
        else:
            links = store.links_for([subject.key])
        if not links:
            return entries
        linked = store.get_entries(sorted({link.entry_id for link in links}))
        entries += [
            linked[link.entry_id]
            for link in links
            if link.entry_id in linked and reaches_via_link(linked[link.entry_id], link, catalog)
        ]
    return entries
