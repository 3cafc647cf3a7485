"""Effective stakes, beneficial owners and the actual controller: the pure maths on hand-computed fixtures.

The group used throughout (ratios of each holding, holder -> held)::

    P1 -60%-> A    C -40%-> A    A -50%-> T
    P1 -50%-> B    C -50%-> B    B -30%-> T
    P2 -90%-> C    A -10%-> C    P3 -20%-> T

P1 reaches T through A and through B (a diamond); A and C hold each other (a cycle). The simple chains
from T upwards and their products are listed in ``test_upward_stakes_sum_the_simple_chains_by_hand``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from graph_service.domain.control import (
    actual_controller,
    beneficial_owners,
    controlled_companies,
    majority_chain,
)
from graph_service.domain.model import Relation, RelationKind
from graph_service.domain.ownership import effective_stakes, holding_ratios
from tests.factories import make_org, make_person, make_relation

DAY = dt.date(2024, 6, 1)
SINCE = dt.date(2020, 1, 1)
T, A, B, C = (make_org(n).uscc for n in (100, 101, 102, 103))
P1, P2, P3 = (make_person(n).key for n in (100, 101, 102))


def holds(holder: str, held: str, ratio: float | None, start_on: dt.date = SINCE, **kw: object) -> Relation:
    return make_relation(RelationKind.SHAREHOLDER, holder, held, start_on, ratio=ratio, **kw)


GROUP = [
    holds(P1, A, 0.6),
    holds(C, A, 0.4),
    holds(A, T, 0.5),
    holds(P1, B, 0.5),
    holds(C, B, 0.5),
    holds(B, T, 0.3),
    holds(P2, C, 0.9),
    holds(A, C, 0.1),
    holds(P3, T, 0.2),
]


def stakes(table_root: str, relations: list[Relation], direction: str = "up") -> dict[str, float]:
    table = effective_stakes(table_root, relations, direction=direction, as_of=DAY)  # type: ignore[arg-type]
    return {s.subject_id: s.stake for s in table.stakes}


def test_upward_stakes_sum_the_simple_chains_by_hand() -> None:
    # A: T<-A 0.5, T<-B<-C<-A 0.3*0.5*0.1                       = 0.515
    # P1: T<-A<-P1 0.3, T<-B<-P1 0.15, T<-B<-C<-A<-P1 0.009    = 0.459
    # C: T<-A<-C 0.2, T<-B<-C 0.15                              = 0.35
    # P2: T<-A<-C<-P2 0.18, T<-B<-C<-P2 0.135                   = 0.315
    # B 0.3 and P3 0.2 directly; T<-A<-C<-A is not simple and adds nothing.
    expected = {A: 0.515, P1: 0.459, C: 0.35, P2: 0.315, B: 0.3, P3: 0.2}
    found = stakes(T, GROUP)
    assert found == pytest.approx(expected), found


def test_stakes_are_listed_largest_first_with_layer_direct_ratio_and_path_count() -> None:
    table = effective_stakes(T, GROUP, direction="up", as_of=DAY)
    order = [s.subject_id for s in table.stakes]
    p1 = table.stake_of(P1)
    a = table.stake_of(A)
    assert order == [A, P1, C, P2, B, P3], order
    assert p1 is not None and (p1.layer, p1.direct_ratio, p1.path_count) == (2, None, 3), p1
    assert a is not None and (a.layer, a.direct_ratio, a.path_count) == (1, 0.5, 2), a
    assert a.top_paths[0].subject_ids == [T, A] and a.top_paths[0].stake == pytest.approx(0.5), a.top_paths


def test_a_cycle_is_reported_once_in_holding_order_and_not_walked_twice() -> None:
    table = effective_stakes(T, GROUP, direction="up", as_of=DAY)
    assert [c.subject_ids for c in table.cycles] == [sorted([A, C])], table.cycles
    c = table.stake_of(C)
    assert c is not None and c.path_count == 2, c  # via A and via B, never A<-C<-A<-C


def test_downward_stakes_agree_with_upward_ones_for_the_same_pair() -> None:
    # P1 -> A 0.6; P1 -> B 0.5 and P1 -> A -> C -> B 0.6*0.1*0.5 = 0.03; P1 -> A -> C 0.06;
    # T: P1->A->T 0.3 + P1->B->T 0.15 + P1->A->C->B->T 0.009 = 0.459 (= P1's upward stake in T).
    found = stakes(P1, GROUP, direction="down")
    assert found == pytest.approx({A: 0.6, B: 0.53, T: 0.459, C: 0.06}), found


def test_a_diamond_adds_both_chains() -> None:
    top, left, right, bottom = (
        make_person(110).key,
        make_org(110).uscc,
        make_org(111).uscc,
        make_org(112).uscc,
    )
    diamond = [
        holds(top, left, 1.0),
        holds(top, right, 1.0),
        holds(left, bottom, 0.4),
        holds(right, bottom, 0.35),
    ]
    assert stakes(bottom, diamond)[top] == pytest.approx(0.75)


def test_parallel_holdings_valid_together_are_added_and_capped_at_one() -> None:
    first = holds(P1, A, 0.7, start_on=dt.date(2020, 1, 1))
    second = holds(P1, A, 0.5, start_on=dt.date(2021, 1, 1))
    ended = holds(P2, A, 0.3, start_on=dt.date(2019, 1, 1), end_on=dt.date(2020, 1, 1))
    assert holding_ratios([first, second, ended], DAY) == {(P1, A): 1.0}
    assert holding_ratios([first], dt.date(2019, 6, 1)) == {}


def test_a_holding_without_ratio_keeps_the_holder_but_adds_nothing() -> None:
    table = effective_stakes(T, [holds(P1, T, None), holds(P2, T, 0.2)], direction="up", as_of=DAY)
    p1 = table.stake_of(P1)
    assert p1 is not None and (p1.stake, p1.paths_with_unknown_ratio) == (0.0, 1), p1


def test_chains_beyond_the_layer_limit_are_cut_and_flagged() -> None:
    chain = [make_org(200 + n).uscc for n in range(5)]
    relations = [holds(chain[n + 1], chain[n], 1.0) for n in range(4)]
    table = effective_stakes(chain[0], relations, direction="up", as_of=DAY, max_layers=2)
    assert {s.subject_id for s in table.stakes} == set(chain[1:3]) and table.layer_limit_reached, table


def test_the_path_budget_truncates_and_says_so() -> None:
    table = effective_stakes(T, GROUP, direction="up", as_of=DAY, max_paths=3)
    assert table.truncated and sum(s.path_count for s in table.stakes) == 3, table


def test_beneficial_owners_are_persons_at_or_above_the_threshold() -> None:
    table = effective_stakes(T, GROUP, direction="up", as_of=DAY)
    owners = [s.subject_id for s in beneficial_owners(table, 0.25)]
    assert owners == [P1, P2], owners  # A holds more but is no person; P3 holds 20 %
    assert [s.subject_id for s in beneficial_owners(table, 0.2)] == [P1, P2, P3]


def test_exactly_the_threshold_counts_even_after_float_rounding() -> None:
    via = make_org(120).uscc
    # 0.12 * 0.94 = 0.1128 exactly, but in floats 0.11279999999999998.
    table = effective_stakes(T, [holds(P1, via, 0.12), holds(via, T, 0.94)], direction="up", as_of=DAY)
    p1 = table.stake_of(P1)
    assert p1 is not None and p1.stake < 0.1128, p1
    assert [s.subject_id for s in beneficial_owners(table, 0.1128)] == [P1]


def test_the_controller_is_the_top_of_the_majority_chain() -> None:
    table = effective_stakes(T, GROUP, direction="up", as_of=DAY)
    found = actual_controller(table, GROUP, [], as_of=DAY)
    # A holds 51.5 % of T; P1 holds 60 % of A: P1 controls T although its own stake is 45.9 %.
    assert (found.basis, found.controller_ids, found.ownership_chain) == ("majority_stake", [P1], [A, P1]), (
        found
    )
    assert found.stake == pytest.approx(0.459), found


def test_a_declared_actual_controller_valid_on_the_day_wins() -> None:
    table = effective_stakes(T, GROUP, direction="up", as_of=DAY)
    declared = make_relation(RelationKind.ACTUAL_CONTROLLER, P3, T, SINCE)
    ended = make_relation(RelationKind.ACTUAL_CONTROLLER, P2, T, SINCE, end_on=dt.date(2022, 1, 1))
    found = actual_controller(table, GROUP, [declared, ended], as_of=DAY)
    assert (found.basis, found.controller_ids, found.ownership_chain) == ("declared", [P3], [A, P1]), found
    only_ended = actual_controller(table, GROUP, [ended], as_of=DAY)
    assert only_ended.basis == "majority_stake", only_ended


def test_exactly_half_is_no_majority_and_the_largest_holders_are_candidates() -> None:
    relations = [holds(P1, T, 0.5), holds(P2, T, 0.3), holds(P3, T, 0.15), holds(A, T, 0.05)]
    table = effective_stakes(T, relations, direction="up", as_of=DAY)
    found = actual_controller(table, relations, [], as_of=DAY)
    assert found.basis == "none" and found.controller_ids == [], found
    assert [c.subject_id for c in found.candidates] == [P1, P2, P3], found.candidates


def test_fifty_one_percent_twice_gives_control_to_the_top() -> None:
    relations = [holds(P1, A, 0.51), holds(A, T, 0.51), holds(P2, T, 0.49)]
    table = effective_stakes(T, relations, direction="up", as_of=DAY)
    chain, tied = majority_chain(table, relations, as_of=DAY)
    assert (chain, tied) == ([A, P1], []), (chain, tied)


def test_companies_controlled_downwards_follow_majorities() -> None:
    # From P1: A 60 %, B 53 % (directly 50 % + 3 % through A and C); from A: T 51.5 %.
    assert controlled_companies(P1, GROUP, as_of=DAY, max_layers=10) == {A: P1, B: P1, T: A}
