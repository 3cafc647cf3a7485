"""List entries on synthetic subjects, and the court-list and penalty samples in their public formats.

About 2 % of organisations get a black entry, 3 % a red and 1 % a watch entry, decided in the last few
years before the reference date with validity periods that leave most of them current and some expired;
a few are disputed or repaired. A black entry names 0-2 directly responsible persons among the people who
held a key role in the organisation on the act date — the rule the propagation checks depend on.
"""

from __future__ import annotations

import datetime as dt
import random

from graph_service.domain.model import RelationKind
from graph_service.synth import names
from graph_service.synth.identities import REFERENCE_DATE, Identities, SynthOrg, SynthPerson
from graph_service.synth.regions import COUNTIES, PROVINCE_ABBREVIATIONS, PROVINCE_NAMES, County, city_name
from graph_service.synth.registry import Spell, iso, random_day
from graph_service.synth.writer import Files

_YEAR = dt.timedelta(days=365)
_DAY = dt.timedelta(days=1)


def _dept(pattern: str, county: County) -> str:
    return pattern.format(county=county.name, city=city_name(county.code))


def _pick_status(rng: random.Random, weights: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    for status, upto in weights:
        if r < upto:
            return status
    return weights[-1][0]


class Lists:
    """Writes entries and public-format samples; ``court_share``/``penalty_share`` keep samples small."""

    def __init__(self, ids: Identities, rng: random.Random, files: Files) -> None:
        self.ids = ids
        self.rng = rng
        self.files = files
        self.court_share = min(1.0, 150 / ids.orgs)
        # ~0.2 % of persons are debtors; about 50 of them also appear in the court-list sample.
        self.person_court_share = min(1.0, 25_000 / ids.persons)
        self.penalty_share = min(1.0, 250 / ids.orgs)

    def org_entries(self, org: SynthOrg, established: dt.date, spells: list[Spell]) -> None:
        rng = self.rng
        seq = 0
        for kind, share in (("black", 0.02), ("red", 0.03), ("watch", 0.01)):
            if rng.random() < share:
                seq += 1
                self._org_entry(kind, org, established, spells, seq)
        if rng.random() < self.court_share:
            self._court_org_row(org, established, spells)
        if rng.random() < self.penalty_share:
            self._penalty_row(org, established, spells)

    def _org_entry(
        self, kind: str, org: SynthOrg, established: dt.date, spells: list[Spell], seq: int
    ) -> None:
        rng = self.rng
        look_back = {"black": 4, "red": 3, "watch": 2}[kind]
        first = max(established + dt.timedelta(days=120), REFERENCE_DATE - look_back * _YEAR)
        last = REFERENCE_DATE - _DAY
        if first > last:
            return
        decided = random_day(rng, first, last)
        county = org.county if rng.random() < 0.95 else COUNTIES[rng.randrange(len(COUNTIES))]
        source_region = "" if county == org.county else county.code
        act: dt.date | None = None
        responsible: list[str] = []
        if kind == "black":
            domain, pattern, abbreviation, reasons = names.BLACK_DOMAINS[
                rng.randrange(len(names.BLACK_DOMAINS))
            ]
            act = max(decided - dt.timedelta(days=rng.randint(30, 360)), established + _DAY)
            valid_until = decided + rng.choice((1, 2, 3, 3, 3, 5)) * _YEAR - _DAY
            status = _pick_status(
                rng, (("active", 0.90), ("disputed", 0.93), ("repaired", 0.98), ("revoked", 1))
            )
            basis = f"{county.name[0]}{abbreviation}〔{decided.year}〕{rng.randint(1, 300)}号"
            holders = sorted({s.person.id_number for s in spells if s.holds_on(act)})
            count = min(len(holders), rng.choices((0, 1, 2), weights=(30, 50, 20))[0])
            responsible = rng.sample(holders, count)
        else:
            table = names.RED_DOMAINS if kind == "red" else names.WATCH_DOMAINS
            domain, pattern, reasons = table[rng.randrange(len(table))]
            if kind == "watch":
                act = max(decided - dt.timedelta(days=rng.randint(10, 120)), established + _DAY)
            valid_until = decided + rng.choice((1, 2, 3) if kind == "red" else (1,)) * _YEAR - _DAY
            status = _pick_status(rng, (("active", 0.96), ("disputed" if kind == "watch" else "revoked", 1)))
            basis = ""
        letter = kind[0].upper()
        row = (
            f"{org.county.code}-{letter}-{decided.year}-{org.index:07d}-{seq}",
            org.uscc,
            kind,
            domain,
            reasons[rng.randrange(len(reasons))],
            iso(act),
            iso(decided),
            "",
            iso(valid_until),
            _dept(pattern, county),
            basis,
            source_region,
            status,
            ";".join(responsible),
        )
        self.files.write("list_entries.csv", row)

    def person_entries(self, person: SynthPerson) -> None:
        """Court debtors among persons: a black court_enforcement entry, sometimes a court-list row."""
        rng = self.rng
        if rng.random() >= 0.002:
            return
        first = max(dt.date(person.born.year + 20, 1, 1), REFERENCE_DATE - 4 * _YEAR)
        if first >= REFERENCE_DATE:
            return
        decided = random_day(rng, first, REFERENCE_DATE - _DAY)
        filed = max(decided - dt.timedelta(days=rng.randint(60, 400)), first)
        row = (
            f"{person.county.code}-B-{decided.year}-P{person.index:08d}",
            person.id_number,
            "black",
            "court_enforcement",
            names.COURT_CONDUCTS[rng.randrange(len(names.COURT_CONDUCTS))],
            iso(filed),
            iso(decided),
            "",
            iso(decided + 2 * _YEAR - _DAY),
            f"{person.county.name}人民法院",
            self._case_number(person.county, filed),
            "",
            "active" if rng.random() < 0.95 else "revoked",
            "",
        )
        self.files.write("list_entries.csv", row)
        if rng.random() < self.person_court_share:
            self._court_row(person.name, person.id_number, "", person.county, filed, decided, person)

    def _case_number(self, county: County, filed: dt.date) -> str:
        abbreviation = PROVINCE_ABBREVIATIONS[county.province]
        return f"（{filed.year}）{abbreviation}{county.code[2:]}执{self.rng.randint(1, 9999)}号"

    def _court_org_row(self, org: SynthOrg, established: dt.date, spells: list[Spell]) -> None:
        rng = self.rng
        first = established + dt.timedelta(days=60)
        if first >= REFERENCE_DATE - dt.timedelta(days=90):
            return
        filed = random_day(
            rng, max(first, REFERENCE_DATE - 5 * _YEAR), REFERENCE_DATE - dt.timedelta(days=90)
        )
        published = random_day(rng, filed + dt.timedelta(days=30), REFERENCE_DATE - _DAY)
        representatives = [
            s.person.name for s in spells if s.role is RelationKind.LEGAL_REPRESENTATIVE and s.holds_on(filed)
        ]
        if not representatives:
            return
        # One row in twenty names somebody else: the loader must report that name, not guess.
        name = representatives[0] if rng.random() >= 0.05 else self.ids.person_name(org.index, True, salt=43)
        self._court_row(org.name, org.uscc, name, org.county, filed, published, None)

    def _court_row(
        self,
        debtor: str,
        identifier: str,
        representative: str,
        county: County,
        filed: dt.date,
        published: dt.date,
        person: SynthPerson | None,
    ) -> None:
        rng = self.rng
        amount = rng.randint(2, 500) * 1000
        abbreviation = PROVINCE_ABBREVIATIONS[county.province]
        row = (
            debtor,
            ("男" if person.male else "女") if person else "",
            (filed.year - person.born.year) if person else "",
            identifier,
            representative,
            f"{county.name}人民法院",
            PROVINCE_NAMES[county.province],
            f"（{filed.year - 1}）{abbreviation}{county.code[2:]}民初{rng.randint(1, 5000)}号",
            f"{filed.year}年{filed.month:02d}月{filed.day:02d}日",
            self._case_number(county, filed),
            f"{county.name}人民法院",
            f"被执行人支付申请执行人货款{amount}元及利息",
            "全部未履行",
            names.COURT_CONDUCTS[rng.randrange(len(names.COURT_CONDUCTS))],
            f"{published.year}年{published.month:02d}月{published.day:02d}日",
        )
        self.files.write("court/失信被执行人名单.csv", row)

    def _penalty_row(self, org: SynthOrg, established: dt.date, spells: list[Spell]) -> None:
        rng = self.rng
        first = max(established + dt.timedelta(days=30), REFERENCE_DATE - 5 * _YEAR)
        if first >= REFERENCE_DATE:
            return
        decided = random_day(rng, first, REFERENCE_DATE - _DAY)
        violation, basis, categories = names.PENALTY_VIOLATIONS[rng.randrange(len(names.PENALTY_VIOLATIONS))]
        fine = round(rng.uniform(0.1, 20), 2) if "罚款" in categories else ""
        representative = next(
            (
                s.person.name
                for s in spells
                if s.role is RelationKind.LEGAL_REPRESENTATIVE and s.holds_on(decided)
            ),
            "",
        )
        authority = f"{org.county.name}市场监督管理局"
        row = (
            org.name,
            "个体工商户" if org.type_code == "92" else "法人及非法人组织",
            org.uscc,
            representative,
            "",
            "",
            f"{org.county.name[0]}市监处罚〔{decided.year}〕{rng.randint(1, 800)}号",
            violation,
            f"经查，当事人{violation}，违反了相关规定。",
            basis,
            categories,
            f"{categories.replace(';', '、')}" + (f"，罚款人民币{fine}万元" if fine else ""),
            fine,
            iso(decided),
            iso(decided + 3 * _YEAR - _DAY),
            iso(decided + (3 if fine else 1) * _YEAR - _DAY),
            authority,
            self.ids.authority_uscc(org.county),
            authority,
        )
        self.files.write("penalty/行政处罚.csv", row)
