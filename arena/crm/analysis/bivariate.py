"""Bivariate analysis: pick the right comparison for two attributes from their kinds.

Categorical, ordinal and boolean attributes are crossed in a cross-tab; numbers and dates are
compared across groups (box plots, Kruskal-Wallis) or correlated with each other (Spearman).
"""

from __future__ import annotations

import pandas as pd

from arena.crm.analysis.correlation import Correlation, correlate
from arena.crm.analysis.crosstab import CrossTab, cross_tabulate
from arena.crm.analysis.group_comparison import GroupComparison, compare_groups
from arena.crm.analysis.levels import MAX_LEVELS
from arena.crm.analysis.profile_frame import AttributeKind, attribute_of, require_columns

BivariateResult = CrossTab | GroupComparison | Correlation

MEASURED = frozenset({AttributeKind.NUMERIC, AttributeKind.DATE})


def is_measured(kind: AttributeKind) -> bool:
    """Numbers and dates are measured (they can be ranked finely); the rest are levels."""
    return kind in MEASURED


def analyse_pair(
    profiles: pd.DataFrame,
    first: str,
    second: str,
    *,
    kinds: dict[str, AttributeKind] | None = None,
    max_levels: int = MAX_LEVELS,
    bias_correction: bool = True,
    sample_seed: int = 0,
) -> BivariateResult:
    """Cross two attributes of the customer-profile frame (``kinds`` overrides documented kinds,
    e.g. to treat ``seasons_active`` as levels). Numeric x categorical always puts the number
    first in the result, whatever the order asked."""
    if first == second:
        raise ValueError("pick two different attributes")
    require_columns(profiles, (first, second), "this comparison")
    kinds = kinds or {}
    first_kind = kinds.get(first) or attribute_of(first, profiles[first]).kind
    second_kind = kinds.get(second) or attribute_of(second, profiles[second]).kind
    a, b = profiles[first], profiles[second]
    if is_measured(first_kind) and is_measured(second_kind):
        return correlate(a, b, x_name=first, y_name=second, sample_seed=sample_seed)
    if is_measured(first_kind):
        return compare_groups(a, b, value_name=first, group_name=second, max_levels=max_levels)
    if is_measured(second_kind):
        return compare_groups(b, a, value_name=second, group_name=first, max_levels=max_levels)
    return cross_tabulate(
        a, b, row_name=first, column_name=second,
        max_levels=max_levels, bias_correction=bias_correction,
    )
