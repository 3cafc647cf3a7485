"""A realistic synthetic registry in format v1 (plus court-list and penalty samples), deterministic by seed.

``generate(out, orgs=N, seed=S)`` streams every row to disk: memory stays flat from a thousand to a million
organisations. Dates are relative to :data:`~graph_service.synth.identities.REFERENCE_DATE`, never to today.
"""

from __future__ import annotations

import random
from pathlib import Path

from graph_service.synth.identities import REFERENCE_DATE, Identities
from graph_service.synth.lists import Lists
from graph_service.synth.registry import Registry
from graph_service.synth.writer import Files

__all__ = ["PERSONS_PER_ORG", "REFERENCE_DATE", "generate"]

PERSONS_PER_ORG = 2


def generate(out: Path, *, orgs: int, seed: int) -> dict[str, int]:
    """Write the registry of ``orgs`` organisations (and ~2 persons each) under ``out``; rows per file.

    Persons first (``persons.csv``, and the court debtors among them), then organisation by organisation
    everything that hangs off it. The same ``seed`` and ``orgs`` write byte-identical files.
    """
    if orgs < 1:
        raise ValueError(f"orgs must be at least 1, got {orgs}")
    out.mkdir(parents=True, exist_ok=True)
    ids = Identities(seed, orgs=orgs, persons=max(10, PERSONS_PER_ORG * orgs))
    rng = random.Random(seed)
    with Files(out) as files:
        lists = Lists(ids, rng, files)
        registry = Registry(ids, rng, files)
        for index in range(ids.persons):
            person = ids.person(index)
            region = person.county.code if rng.random() < 0.3 else ""  # residence, else the ID's default
            files.write("persons.csv", (person.id_number, person.name, region))
            lists.person_entries(person)
        for index in range(orgs):
            org = ids.org(index)
            established, spells = registry.write_org(org)
            lists.org_entries(org, established, spells)
        return dict(files.counts)
