"""The linkage model's description: comparisons that know the domain, and blocking rules.

Described with Splink's comparison-level library and compiled late for the backend (DuckDB or Spark).
Why each comparison looks the way it does:

- Location is ONE comparison (UPRN, then address line with postcode, then postcode alone): separate
  postcode and address comparisons would each reward "same household" and merge family members.
- Clearly different full given names (not a nickname, an initial or a one-letter slip) and dates of birth a
  generation apart have levels of their own, because in this domain they separate twins, household members
  and a son who carries his father's name at the same address; EM learns how strongly they count.
- A valid identifier that matches is strong evidence; two valid ones that differ are strong evidence
  against (fixed); identifiers that fail their format check are compared in levels of their own.
- Swapped given and family names are one piece of evidence: the given-name comparison weighs it, and the
  family-name comparison holds its swap level at 0 bits (counted twice it outweighed both names agreeing).
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

# m for evidence a true match almost never shows (about 20 bits against). Fixed for two different valid
# identifiers; for a different given name and a date of birth a generation apart it is only the starting value
# and EM learns it, because some sources do replace names and dates (FEBRL's corruptions do).
NEAR_VETO_M = 1e-6
FIX_VETOES = False
EM_ITERATIONS = 10


# Swapped given and family names, also when the given name (now in the family field) was cut to an initial.
SWAPPED = (
    "(family_l = given_r and substr(given_l, 1, 1) = substr(family_r, 1, 1))"
    " or (family_r = given_l and substr(given_r, 1, 1) = substr(family_l, 1, 1))"
)
# One name written in the other's field and the other name changed or replaced.
NAME_MOVED = "family_l = given_r or family_r = given_l"


def _given_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="given_name",
        comparison_levels=[
            cll.NullLevel("given"),
            cll.ExactMatchLevel("given"),
            cll.CustomLevel(SWAPPED, "given and family names swapped"),
            cll.CustomLevel(NAME_MOVED, "a name in the other name's field"),
            cll.ArrayIntersectLevel("given_aliases", min_intersection=1).configure(label_for_charts="nickname"),
            cll.DamerauLevenshteinLevel("given", 1),
            cll.CustomLevel(
                "(length(given_stem_l) >= 3 and substr(given_r, 1, length(given_stem_l)) = given_stem_l)"
                " or (length(given_stem_r) >= 3 and substr(given_l, 1, length(given_stem_r)) = given_stem_r)",
                "short form or diminutive",
            ),
            cll.CustomLevel(
                "(length(given_l) = 1 or length(given_r) = 1) and given_initial_l = given_initial_r",
                "initial agrees",
            ),
            cll.JaroWinklerLevel("given", 0.9),
            cll.ElseLevel().configure(m_probability=NEAR_VETO_M, fix_m_probability=FIX_VETOES),
        ],
    )


def _family_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="family_name",
        comparison_levels=[
            cll.NullLevel("family"),
            cll.ExactMatchLevel("family"),
            # A swap is one piece of evidence, weighed once by the given-name comparison: here it is neutral.
            cll.CustomLevel(SWAPPED, "given and family names swapped (weighed with the given name)").configure(
                m_probability=0.5, u_probability=0.5, fix_m_probability=True, fix_u_probability=True
            ),
            cll.DamerauLevenshteinLevel("family", 1),
            cll.JaroWinklerLevel("family", 0.88),
            cll.ElseLevel(),
        ],
    )


def _middle_name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="middle_name",
        comparison_levels=[
            cll.NullLevel("middle"),
            cll.ExactMatchLevel("middle"),
            cll.CustomLevel(
                "(length(middle_l) = 1 or length(middle_r) = 1) and middle_initial_l = middle_initial_r",
                "initial agrees",
            ),
            cll.DamerauLevenshteinLevel("middle", 1),
            cll.ElseLevel(),
        ],
    )


def _date_of_birth() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel("dob_swapped_l = dob_r", "day and month swapped"),
            cll.CustomLevel(
                "(dob_jan_first_l or dob_jan_first_r) and dob_year_l = dob_year_r", "year only (1 January)"
            ),
            cll.CustomLevel(
                "(substr(dob_l, 1, 7) = substr(dob_r, 1, 7)) or (substr(dob_l, 6, 5) = substr(dob_r, 6, 5))"
                " or (substr(dob_l, 1, 4) = substr(dob_r, 1, 4) and substr(dob_l, 9, 2) = substr(dob_r, 9, 2))",
                "two of day, month and year agree",
            ),
            cll.CustomLevel("abs(dob_year_l - dob_year_r) <= 5", "within five years"),
            cll.ElseLevel().configure(
                label_for_charts="a generation apart", m_probability=NEAR_VETO_M, fix_m_probability=FIX_VETOES
            ),
        ],
    )


def _location() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="location",
        comparison_levels=[
            cll.CustomLevel(
                "(uprn_l is null and postcode_l is null and address_l is null)"
                " or (uprn_r is null and postcode_r is null and address_r is null)",
                "no location",
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("uprn").configure(label_for_charts="same UPRN"),
            cll.And(cll.ExactMatchLevel("address"), cll.ExactMatchLevel("postcode")).configure(
                label_for_charts="same address and postcode"
            ),
            cll.And(cll.ExactMatchLevel("postcode"), cll.JaroWinklerLevel("address", 0.88)).configure(
                label_for_charts="same postcode, similar address"
            ),
            cll.And(cll.DamerauLevenshteinLevel("postcode", 1), cll.JaroWinklerLevel("address", 0.88)).configure(
                label_for_charts="postcode one slip apart, similar address"
            ),
            cll.ExactMatchLevel("postcode").configure(label_for_charts="same postcode"),
            cll.And(cll.ExactMatchLevel("address"), cll.ExactMatchLevel("town")).configure(
                label_for_charts="same address line and town"
            ),
            cll.And(cll.JaroWinklerLevel("address", 0.88), cll.JaroWinklerLevel("town", 0.88)).configure(
                label_for_charts="similar address line and town"
            ),
            cll.ExactMatchLevel("town").configure(label_for_charts="same town or locality only"),
            cll.ElseLevel(),
        ],
    )


def _identifier(column: str, label: str) -> cl.CustomComparison:
    valid = f"{column.split('_')[0]}_valid"
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.CustomLevel(f"{column}_l = {column}_r and {valid}_l", f"same valid {label}"),
            cll.CustomLevel(f"{column}_l = {column}_r", f"same {label}, failing its format check"),
            cll.CustomLevel(f"{valid}_l and {valid}_r", f"two different valid {label}s").configure(
                m_probability=NEAR_VETO_M, fix_m_probability=True
            ),
            cll.DamerauLevenshteinLevel(column, 1),
            cll.ElseLevel(),
        ],
    )


def comparisons() -> list[ComparisonCreator | dict[str, Any]]:
    return [
        _given_name(),
        _family_name(),
        _middle_name(),
        _date_of_birth(),
        cl.CustomComparison(
            output_column_name="sex",
            comparison_levels=[cll.NullLevel("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel()],
        ),
        _location(),
        _identifier("nhs_number", "NHS number"),
        _identifier("ni_number", "NI number"),
        cl.CustomComparison(
            output_column_name="email",
            comparison_levels=[cll.NullLevel("email"), cll.ExactMatchLevel("email"), cll.ElseLevel()],
        ),
    ]


def prediction_rules() -> list[Any]:
    """Which pairs are scored at all: each rule catches matches that a kind of error hides from the others."""
    return [
        block_on("nhs_number"),
        block_on("ni_number"),
        block_on("family", "dob"),
        block_on("given", "dob"),  # a changed family name (marriage) or a slip in it
        block_on("dob", "postcode"),
        block_on("family", "dob_swapped"),
        block_on("family", "postcode"),  # no date of birth held (council tax, waste)
        block_on("given", "postcode"),
        block_on("family", "uprn"),  # the postcode missing or mistyped
        block_on("given_initial", "uprn"),  # a slip in the family name where no date of birth is held
        block_on("given_initial", "postcode"),
        block_on("dob", "given_initial"),  # slips in the family name and a move
        block_on("given", "middle", "family"),  # a move where no date of birth is held
        block_on("family", "address"),  # the postcode missing on one side
        CustomRule("l.given = r.family and l.family = r.given"),
        CustomRule("l.given = r.family and l.postcode = r.postcode"),  # one name moved, the other replaced
        CustomRule("l.family = r.given and l.postcode = r.postcode"),
        block_on("given_soundex", "family_soundex", "dob_year"),
    ]


def training_rules() -> list[Any]:
    """Blocks for expectation maximisation: each leaves some comparisons free to be estimated."""
    return [block_on("given", "family"), block_on("dob")]


def deterministic_rules() -> list[str | BlockingRuleCreator]:
    """Pairs that are almost surely matches, to estimate how often two random records match."""
    return [
        # A shared identifier is almost surely one person even when it fails its format check (FEBRL's ids).
        "l.nhs_number = r.nhs_number",
        "l.ni_number = r.ni_number",
        "l.given = r.given and l.family = r.family and l.dob = r.dob",
    ]


def settings(rules: list[Any] | None = None) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=rules if rules is not None else prediction_rules(),
        retain_matching_columns=False,
        # EM drives the m of a level that blocked matches never show towards zero; left for Splink's 25
        # iterations it can underflow to 0.0, which Splink refuses. Ten iterations converge here and stay
        # finite; _train._settle then floors what is left.
        max_iterations=EM_ITERATIONS,
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=[],
    )
