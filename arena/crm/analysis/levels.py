"""Turning a categorical attribute into a handful of levels a test and a chart can use.

A city or a postal code has thousands of values: crossing them with anything gives a table of
near-empty cells where no test is valid and no reader can see anything. The largest levels are
kept and the rest folded into ``OTHER``; the analysis reports how many were folded.
"""

from __future__ import annotations

import pandas as pd

from arena.crm.analysis.charts import OTHER
from arena.crm.analysis.profile_frame import Attribute, AttributeKind
from arena.crm.analysis.univariate import as_levels, clean_missing

MAX_LEVELS = 12


def categorical_levels(
    values: pd.Series, attribute: Attribute, max_levels: int = MAX_LEVELS
) -> tuple[pd.Series, int]:
    """Values as a categorical of at most ``max_levels`` present levels (missing kept as NaN),
    and how many levels were folded into ``OTHER``.

    Ordinal levels keep their order and are never folded (bands are few by design); booleans
    become "true"/"false"; other levels come largest first, ``OTHER`` last.
    """
    values = clean_missing(values)
    if attribute.kind is AttributeKind.BOOLEAN:
        known = values.dropna().astype(bool)
        text = known.map({True: "true", False: "false"}).reindex(values.index)
        present = [level for level in ("true", "false") if (text == level).any()]
        return pd.Series(pd.Categorical(text, categories=present), index=values.index), 0
    if attribute.kind is AttributeKind.ORDINAL or (
        isinstance(values.dtype, pd.CategoricalDtype) and values.dtype.ordered
    ):
        ordered = as_levels(values, attribute) if attribute.levels else values.astype("category")
        present = ordered.cat.remove_unused_categories()
        return present, 0
    text = values.astype("string")
    counts = text.value_counts(sort=True)
    # Equal counts are ordered by name so that the same data always gives the same table.
    counts = counts.rename_axis("level").reset_index(name="n")
    counts = counts.sort_values(["n", "level"], ascending=[False, True], kind="stable")
    levels = counts["level"].astype(str).tolist()
    if len(levels) <= max_levels:
        return pd.Series(pd.Categorical(text, categories=levels), index=values.index), 0
    kept = levels[: max_levels - 1]
    folded = len(levels) - len(kept)
    grouped = text.where(text.isin(kept) | text.isna(), OTHER)
    categories = [*kept, OTHER]
    return pd.Series(pd.Categorical(grouped, categories=categories), index=values.index), folded
