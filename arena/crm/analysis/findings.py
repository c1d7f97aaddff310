"""Validity warnings and plain-words strength readings: codes with values, worded by the UI.

The thresholds are the conventional ones (Cohen 1988, *Statistical Power Analysis for the
Behavioral Sciences*), written down here once so that docs/crm-analysis.md, the UI and the tests
read the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Strength(StrEnum):
    """How strongly two attributes go together, in words a marketer reads."""

    NEGLIGIBLE = "negligible"
    WEAK = "weak"
    MODERATE = "moderate"
    STRONG = "strong"


class WarningCode(StrEnum):
    """Why a figure should be read with care, or why a test was not run."""

    TOO_FEW_ROWS = "too_few_rows"  # values: rows, minimum
    ALL_MISSING = "all_missing"  # no value at all
    SINGLE_CATEGORY = "single_category"  # values: attribute
    CONSTANT_VALUES = "constant_values"  # values: attribute
    SMALL_EXPECTED_COUNTS = "small_expected_counts"  # values: share_below_5, min_expected
    SMALL_GROUPS = "small_groups"  # values: groups (names with fewer than 5 members), minimum
    LEVELS_GROUPED = "levels_grouped"  # values: attribute, kept, grouped (levels folded in "other")
    FISHER_EXACT_USED = "fisher_exact_used"  # 2x2 table with small counts: exact p-value given
    LARGE_SAMPLE = "large_sample"  # values: rows; p-values are tiny, read the strength instead


@dataclass(frozen=True)
class Finding:
    """A code and the values the UI needs to turn it into a sentence."""

    code: WarningCode
    values: dict[str, Any] = field(default_factory=dict)


# Cohen's thresholds for Cramér's V with one degree of freedom (a 2x2 table): 0.1 small, 0.3
# medium, 0.5 large. For larger tables they are divided by sqrt(min(rows, columns) - 1), since
# V's scale shrinks as tables grow (Cohen 1988, ch. 7).
CRAMERS_V_THRESHOLDS: tuple[float, float, float] = (0.1, 0.3, 0.5)
# Spearman's |rho|: Cohen's r scale.
CORRELATION_THRESHOLDS: tuple[float, float, float] = (0.1, 0.3, 0.5)
# Epsilon squared of Kruskal-Wallis: read like eta squared (share of rank variance explained):
# 0.01 small, 0.06 medium, 0.14 large (Cohen 1988; Tomczak & Tomczak 2014).
EPSILON_SQUARED_THRESHOLDS: tuple[float, float, float] = (0.01, 0.06, 0.14)

# Below this many rows no test is run at all; below RELIABLE_ROWS results are flagged.
MINIMUM_ROWS = 10
RELIABLE_ROWS = 30
# From this many rows on, every p-value is tiny for any real difference: say so.
LARGE_SAMPLE_ROWS = 10_000
# Cochran's rule: a chi-square test is reliable when no expected count is below 1 and no more
# than 20 % of them are below 5.
SMALL_EXPECTED = 5.0
SMALL_EXPECTED_SHARE = 0.2
# Kruskal-Wallis' chi-square approximation wants at least 5 members per group.
SMALL_GROUP = 5


def strength_of(effect: float, thresholds: tuple[float, float, float]) -> Strength | None:
    """The reading of an effect size (its absolute value) on a negligible..strong scale."""
    if effect is None or not math.isfinite(effect):
        return None
    size = abs(effect)
    small, medium, large = thresholds
    if size < small:
        return Strength.NEGLIGIBLE
    if size < medium:
        return Strength.WEAK
    if size < large:
        return Strength.MODERATE
    return Strength.STRONG


def cramers_v_thresholds(rows: int, columns: int) -> tuple[float, float, float]:
    """Cohen's thresholds for V, scaled to the table's size."""
    smaller_side = max(1, min(rows, columns) - 1)
    scale = math.sqrt(smaller_side)
    small, medium, large = CRAMERS_V_THRESHOLDS
    return (small / scale, medium / scale, large / scale)


def row_count_findings(rows: int) -> tuple[list[Finding], bool]:
    """Warnings about the sample size, and whether a test may be run at all."""
    findings: list[Finding] = []
    if rows < RELIABLE_ROWS:
        findings.append(Finding(WarningCode.TOO_FEW_ROWS, {"rows": rows, "minimum": RELIABLE_ROWS}))
    if rows >= LARGE_SAMPLE_ROWS:
        findings.append(Finding(WarningCode.LARGE_SAMPLE, {"rows": rows}))
    return findings, rows >= MINIMUM_ROWS
