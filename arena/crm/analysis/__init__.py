"""Univariate and bivariate analysis of the customer-profile frame: pure, storage-free statistics.

Public API (docs/crm-analysis.md explains every figure in plain words):
- ``describe_attribute`` / ``describe_frequencies``: one attribute's kind, statistics and chart;
- ``analyse_pair``: two attributes, dispatching to ``cross_tabulate`` / ``cross_tab_from_counts``
  (chi-square, Cramér's V), ``compare_groups`` (box plots, Kruskal-Wallis) or ``correlate``
  (Spearman);
- ``PROFILE_ATTRIBUTES``: the documented columns of the customer-profile frame.
"""

from arena.crm.analysis.bivariate import BivariateResult, analyse_pair
from arena.crm.analysis.charts import (
    OTHER,
    BarSpec,
    BoxSpec,
    ChartSpec,
    HeatmapSpec,
    HexbinSpec,
    HistogramSpec,
    TimeBarSpec,
)
from arena.crm.analysis.correlation import Correlation, correlate
from arena.crm.analysis.crosstab import CrossTab, cross_tab_from_counts, cross_tabulate
from arena.crm.analysis.findings import Finding, Strength, WarningCode
from arena.crm.analysis.group_comparison import (
    GroupComparison,
    KruskalWallis,
    compare_groups,
    kruskal_wallis,
    kruskal_wallis_from_rank_sums,
)
from arena.crm.analysis.profile_frame import (
    PROFILE_ATTRIBUTES,
    Attribute,
    AttributeFamily,
    AttributeKind,
    MissingColumns,
    age_band,
    distance_band,
    season_order,
)
from arena.crm.analysis.univariate import (
    DateStats,
    NumericStats,
    UnivariateSummary,
    describe_attribute,
    describe_frequencies,
)

__all__ = [
    "OTHER", "PROFILE_ATTRIBUTES", "Attribute", "AttributeFamily", "AttributeKind", "BarSpec",
    "BivariateResult", "BoxSpec", "ChartSpec", "Correlation", "CrossTab", "DateStats", "Finding",
    "GroupComparison", "HeatmapSpec", "HexbinSpec", "HistogramSpec", "KruskalWallis",
    "MissingColumns", "NumericStats", "Strength", "TimeBarSpec", "UnivariateSummary",
    "WarningCode", "age_band", "analyse_pair", "compare_groups", "correlate",
    "cross_tab_from_counts", "cross_tabulate", "describe_attribute", "describe_frequencies",
    "distance_band", "kruskal_wallis", "kruskal_wallis_from_rank_sums", "season_order",
]
