"""One organisation's rows: the registry record, key persons over time, shareholders, practitioners.

Realism the checks and the explorer rely on: the legal representative always exists; some companies
change it (the old relation ends the day the successor's starts); a few nominee persons front hundreds of
companies; shareholders include other companies, planted as chains four layers deep with a diamond and a
cycle every 500 organisations; some holders' IDs are withheld (非公示项: name only); some organisations
publish only subscribed amounts (the loader derives the ratios).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from graph_service.domain.model import OrgKind, RelationKind
from graph_service.synth import names
from graph_service.synth.identities import REFERENCE_DATE, STRUCTURE_PERIOD, Identities, SynthOrg, SynthPerson
from graph_service.synth.writer import Files

_DAY = dt.timedelta(days=1)
_ROLE_CHOICES = (RelationKind.DIRECTOR, RelationKind.SUPERVISOR, RelationKind.SENIOR_MANAGER)


@dataclass(frozen=True)
class Spell:
    """A person in a role of an organisation over ``[start, end)`` (None = still)."""

    person: SynthPerson
    role: RelationKind
    start: dt.date
    end: dt.date | None

    def holds_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day is not None else ""


def random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A uniformly drawn day in ``[first, last]`` (``first`` when the range is empty)."""
    span = (last - first).days
    return first + dt.timedelta(days=rng.randint(0, span)) if span > 0 else first


class Registry:
    """Writes the registry rows of organisations one at a time (nothing accumulates across them)."""

    def __init__(self, ids: Identities, rng: random.Random, files: Files) -> None:
        self.ids = ids
        self.rng = rng
        self.files = files
        self.nominees = max(5, ids.orgs // 2000)  # person indices [0, nominees) front many companies

    def pick_person(self, adult_on: dt.date) -> SynthPerson:
        """A random non-nominee person, preferably at least 20 years old on ``adult_on``."""
        person = self.ids.person(self.rng.randrange(self.nominees, self.ids.persons))
        for _ in range(6):
            if person.born.year <= adult_on.year - 20:
                break
            person = self.ids.person(self.rng.randrange(self.nominees, self.ids.persons))
        return person

    def write_org(self, org: SynthOrg) -> tuple[dt.date, list[Spell]]:
        """Write the organisation and everything that hangs off it; return its founding date and people."""
        rng = self.rng
        established = self.ids.established(org.index)
        r = rng.random()
        status = "active" if r < 0.92 else "deregistered" if r < 0.98 else "revoked"
        region = org.county.code if rng.random() < 0.05 else ""  # usually left to default from the USCC
        self.files.write(
            "organizations.csv",
            (org.uscc, org.name, org.kind.value, region, status, iso(established), org.industry),
        )
        spells = self._roles(org, established)
        for spell in spells:
            title = self._title(org, spell.role)
            row = (
                spell.person.id_number,
                org.uscc,
                spell.role.value,
                title,
                iso(spell.start),
                iso(spell.end),
                "",
            )
            self.files.write("roles.csv", row)
        if org.has_shareholders:
            self._shareholders(org, established, spells)
        if org.industry in names.QUALIFICATIONS and org.type_code == "91" and rng.random() < 0.3:
            self._practitioners(org, established)
        if org.parent is not None:
            self.files.write("branches.csv", (org.uscc, self.ids.org(org.parent).uscc, iso(established), ""))
        return established, spells

    def _title(self, org: SynthOrg, role: RelationKind) -> str:
        if role is RelationKind.LEGAL_REPRESENTATIVE:
            titles = names.LR_TITLES if org.kind is OrgKind.ENTERPRISE else names.SOCIAL_LR_TITLES
            return titles[self.rng.randrange(len(titles))]
        if role is RelationKind.ACTUAL_CONTROLLER:
            return ""
        options = names.ROLE_TITLES[role.value]
        return options[self.rng.randrange(len(options))]

    def _legal_representative(self, org: SynthOrg, established: dt.date) -> SynthPerson:
        if org.type_code == "91" and self.rng.random() < 0.03:
            # Pareto-distributed index: nominee 0 fronts the most companies, then a long tail.
            return self.ids.person(min(self.nominees - 1, int(self.rng.paretovariate(1.2)) - 1))
        return self.pick_person(established)

    def _roles(self, org: SynthOrg, established: dt.date) -> list[Spell]:
        rng = self.rng
        spells: list[Spell] = []
        first = self._legal_representative(org, established)
        if rng.random() < 0.15 and established < REFERENCE_DATE - dt.timedelta(days=730):
            change = random_day(
                rng, established + dt.timedelta(days=365), REFERENCE_DATE - dt.timedelta(days=30)
            )
            spells.append(Spell(first, RelationKind.LEGAL_REPRESENTATIVE, established, change))
            successor = self.pick_person(change)
            spells.append(Spell(successor, RelationKind.LEGAL_REPRESENTATIVE, change, None))
        else:
            spells.append(Spell(first, RelationKind.LEGAL_REPRESENTATIVE, established, None))
        if org.kind is not OrgKind.ENTERPRISE or org.parent is not None:
            principal = first if rng.random() < 0.4 else self.pick_person(established)
            spells.append(Spell(principal, RelationKind.PRINCIPAL, established, None))
        if org.type_code in {"91", "93"} and org.parent is None:
            extra = rng.choices((0, 1, 2, 3, 4), weights=(25, 30, 25, 15, 5))[0]
            for _ in range(extra):
                role = _ROLE_CHOICES[rng.randrange(len(_ROLE_CHOICES))]
                person = first if rng.random() < 0.2 else self.pick_person(established)
                if rng.random() < 0.1 and established < REFERENCE_DATE - dt.timedelta(days=400):
                    end = random_day(rng, established + dt.timedelta(days=180), REFERENCE_DATE - _DAY)
                    spells.append(Spell(person, role, established, end))
                    spells.append(Spell(self.pick_person(end), role, end, None))
                else:
                    spells.append(Spell(person, role, established, None))
            if rng.random() < 0.05:
                spells.append(Spell(first, RelationKind.ACTUAL_CONTROLLER, established, None))
        seen: set[tuple[str, RelationKind, dt.date]] = set()
        unique = []
        for spell in spells:  # a person drawn twice for the same role and start is one relation
            key = (spell.person.id_number, spell.role, spell.start)
            if key not in seen:
                seen.add(key)
                unique.append(spell)
        return unique

    def _planted_holders(self, org: SynthOrg) -> list[int]:
        """Chains A -> B -> C -> D, a diamond (A also holds C) and a cycle (D holds A) in each block."""
        position = org.index % STRUCTURE_PERIOD
        base = org.index - position
        holders = [org.index - 1] if position in (1, 2, 3) else []
        if position == 2:
            holders.append(base)
        if position == 0 and base + 3 < self.ids.orgs:
            holders.append(base + 3)
        return holders

    def _shareholders(self, org: SynthOrg, established: dt.date, spells: list[Spell]) -> None:
        rng = self.rng
        capital = round(10 ** rng.uniform(1, 4), 2)  # 万元
        corporate = self._planted_holders(org)
        if not corporate and rng.random() < 0.25 and self.ids.orgs > 1:
            other = rng.randrange(self.ids.orgs - 1)
            corporate.append(other if other < org.index else other + 1)
        natural: list[SynthPerson] = [spells[0].person] if rng.random() < 0.6 else []
        for _ in range(rng.choices((0, 1, 2), weights=(40, 40, 20))[0] + (0 if natural or corporate else 1)):
            candidate = self.pick_person(established)
            if all(candidate.index != p.index for p in natural):
                natural.append(candidate)
        holders: list[tuple[str, str, str]] = [(self.ids.org(k).uscc, "", "organization") for k in corporate]
        holders += [(p.id_number, "", "") for p in natural]
        if rng.random() < 0.02:  # a natural person whose ID the publicity system withholds
            name = self.ids.person_name(org.index, rng.random() < 0.6, salt=41)
            holders.append(("非公示项", name, "person"))
        weights = [rng.random() + 0.1 for _ in holders]
        total = sum(weights)
        ratios = [round(w / total, 4) for w in weights]
        ratios[-1] = round(1 - sum(ratios[:-1]), 4)
        blank_ratio = rng.random() < 0.1
        transfer = rng.random() < 0.05 and natural and established < REFERENCE_DATE - dt.timedelta(days=400)
        for position, ((holder, name, kind), ratio) in enumerate(zip(holders, ratios, strict=True)):
            amount = round(capital * ratio, 4)
            shown = "" if blank_ratio else f"{ratio:.4f}"
            if transfer and position == len(corporate):  # the first natural holder sold to a newcomer
                day = random_day(rng, established + dt.timedelta(days=180), REFERENCE_DATE - _DAY)
                buyer = self.pick_person(day)
                if buyer.id_number not in {h for h, _, _ in holders}:
                    row = (holder, org.uscc, shown, amount, iso(established), iso(day), name, kind)
                    self.files.write("shareholdings.csv", row)
                    row = (buyer.id_number, org.uscc, shown, amount, iso(day), "", "", "")
                    self.files.write("shareholdings.csv", row)
                    continue
            row = (holder, org.uscc, shown, amount, iso(established), "", name, kind)
            self.files.write("shareholdings.csv", row)

    def _practitioners(self, org: SynthOrg, established: dt.date) -> None:
        rng = self.rng
        options = names.QUALIFICATIONS[org.industry]
        chosen: set[str] = set()
        for _ in range(rng.randint(1, 3)):
            person = self.pick_person(established)
            if person.id_number in chosen:
                continue
            chosen.add(person.id_number)
            qualification, prefix = options[rng.randrange(len(options))]
            certificate = f"{prefix}{rng.randrange(10**9, 10**10)}"
            start = random_day(rng, established, REFERENCE_DATE - _DAY)
            end = random_day(rng, start + _DAY, REFERENCE_DATE) if rng.random() < 0.15 else None
            row = (person.id_number, org.uscc, qualification, certificate, iso(start), iso(end))
            self.files.write("practitioners.csv", row)
