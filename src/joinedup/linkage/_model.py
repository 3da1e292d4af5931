"""TrainedModel: Splink's trained model JSON together with the thresholds joinedup links and reviews at."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from typing import Any

from joinedup.linkage._errors import LinkageError

FORMAT = "joinedup-linkage-model/1"
DEFAULT_LINK_THRESHOLD = 0.9  # match probability at or above which two records are the same resident
DEFAULT_REVIEW_LOW = 0.5  # pairs from here up to the link threshold go to clerical review


@dataclass(frozen=True, slots=True)
class LevelWeight:
    """One comparison level: its label, SQL condition, and match weight (log2 Bayes factor)."""

    comparison: str
    label: str
    sql_condition: str
    match_weight: float
    is_null_level: bool


@dataclass(frozen=True)
class TrainedModel:
    """A trained Fellegi-Sunter model (Splink's settings with m and u) and the thresholds to use it at."""

    splink_settings: dict[str, Any] = field(repr=False)
    link_threshold: float = DEFAULT_LINK_THRESHOLD
    review_low: float = DEFAULT_REVIEW_LOW

    def __post_init__(self) -> None:
        if not 0.0 < self.review_low <= self.link_threshold < 1.0:
            raise LinkageError("thresholds must satisfy 0 < review_low <= link_threshold < 1")

    @property
    def prior(self) -> float:
        """How likely two records picked at random are the same resident (before any evidence)."""
        return float(self.splink_settings["probability_two_random_records_match"])

    def with_thresholds(self, *, link: float | None = None, review_low: float | None = None) -> TrainedModel:
        return replace(
            self,
            link_threshold=self.link_threshold if link is None else link,
            review_low=min(self.review_low if review_low is None else review_low, link or self.link_threshold),
        )

    def level_weights(self) -> list[LevelWeight]:
        """Every comparison level with its match weight, in the order Splink evaluates them."""
        weights = []
        for comparison in self.splink_settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                null = bool(level.get("is_null_level", False))
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = 0.0 if null or not m or not u else math.log2(m / u)
                weights.append(
                    LevelWeight(
                        comparison["output_column_name"],
                        level.get("label_for_charts", ""),
                        level["sql_condition"],
                        weight,
                        null,
                    )
                )
        return weights

    def to_json(self) -> str:
        document = {
            "format": FORMAT,
            "link_threshold": self.link_threshold,
            "review_low": self.review_low,
            "splink": self.splink_settings,
        }
        return json.dumps(document, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrainedModel:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise LinkageError(f"the model is not JSON (line {error.lineno}, column {error.colno})") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise LinkageError(f"the model is not a {FORMAT} document")
        return cls(document["splink"], float(document["link_threshold"]), float(document["review_low"]))
