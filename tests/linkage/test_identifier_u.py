"""refine_identifier_u(): u of an identifier match measured among pairs whose names are clearly different."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from joinedup.linkage import prepare
from joinedup.linkage._identifier_u import refine_identifier_u

from .linkage_cases import frame, row

GIVEN = ["amber", "brian", "carol", "dennis", "eileen", "frank", "gloria", "harold", "irene", "jasper"]
FAMILY = ["ashworth", "blackburn", "crowther", "dunmore", "eccleston", "fairbairn", "gallagher", "hartley"]


def population(shared_by_strangers: int) -> pd.DataFrame:
    """80 people with distinct FEBRL-like ids (failing the NI check), each twice; `shared_by_strangers` of them
    carry one placeholder id instead."""
    rows = []
    for person in range(80):
        given, family = GIVEN[person % 10], FAMILY[person // 10]
        ni = "0000000" if person < shared_by_strangers else f"{4000000 + person}"
        rows.append(row("a", f"{person}", given_name=given, family_name=family, ni_number=ni))
        rows.append(row("b", f"{person}", given_name=given, family_name=family, ni_number=ni))
    return prepare(frame(*rows))


def settings(u_same: float) -> dict[str, Any]:
    """The parts of a trained model's JSON that the refinement reads and writes."""

    def levels(*u: float) -> list[dict[str, Any]]:
        return [{"is_null_level": True}] + [{"u_probability": value} for value in u]

    return {
        "comparisons": [
            {"output_column_name": "given_name", "comparison_levels": levels(0.1, 0.9)},
            {"output_column_name": "family_name", "comparison_levels": levels(0.1, 0.9)},
            {"output_column_name": "nhs_number", "comparison_levels": levels(u_same, u_same, 1e-7, 0.01, 0.99)},
            {"output_column_name": "ni_number", "comparison_levels": levels(u_same, u_same, 1e-7, 0.01, 0.99)},
        ]
    }


def same_failing_ni_u(trained: dict[str, Any]) -> float:
    return float(trained["comparisons"][3]["comparison_levels"][2]["u_probability"])


def test_a_rare_identifier_shared_only_by_one_persons_records_gets_a_small_u() -> None:
    # Random sampling would put u near the chance that two records are the same person (1/159 here).
    trained = refine_identifier_u(settings(u_same=1 / 159), population(shared_by_strangers=0))
    pairs_with_different_names = 160 * 159 / 2 * 0.81
    assert math.isclose(same_failing_ni_u(trained), 1 / pairs_with_different_names)


def test_a_placeholder_many_different_people_share_keeps_u_high() -> None:
    rare = same_failing_ni_u(refine_identifier_u(settings(u_same=1 / 159), population(shared_by_strangers=0)))
    shared = same_failing_ni_u(refine_identifier_u(settings(u_same=1 / 159), population(shared_by_strangers=12)))
    assert shared > 20 * rare


def test_u_is_never_raised_above_the_random_sampling_estimate() -> None:
    trained = refine_identifier_u(settings(u_same=1e-9), population(shared_by_strangers=12))
    assert same_failing_ni_u(trained) == 1e-9
