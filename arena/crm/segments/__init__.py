"""Customer segments: RFM, lifecycle per season, clusters, their portraits, migration, contacts.

Public API (docs/crm-analysis.md explains each in plain words):
- ``rfm_segments``: recency, frequency, monetary scores and named R x F cells;
- ``lifecycle_segments``: new / returning / active / reactivated / lapsed per season;
- ``CustomerClusters``: k-means on standardized behaviour and identity, k by silhouette;
- ``describe_segments`` + ``describe_portrait``: each segment in codes and values, then words;
- ``migration_matrix`` / ``migration_between_seasons``: from segment A to segment B;
- ``select_contacts``: who of a segment may go on a contact list, who may not and why.
"""

from arena.crm.segments.clustering import CustomerClusters, KSelection, NotFittedError
from arena.crm.segments.contacts import (
    Channel,
    ConsentPolicy,
    ContactSelection,
    Exclusion,
    select_contacts,
)
from arena.crm.segments.lifecycle import Lifecycle, LifecycleResult, lifecycle_segments
from arena.crm.segments.migration import (
    NOT_SEGMENTED,
    Migration,
    migration_between_seasons,
    migration_matrix,
)
from arena.crm.segments.portraits import (
    SegmentPortrait,
    Trait,
    TraitCode,
    TypicalMember,
    describe_segments,
)
from arena.crm.segments.rfm import (
    RFM_GRID,
    RfmResult,
    RfmSegment,
    quintile_scores,
    rfm_segments,
    seasons_since_last,
)
from arena.crm.segments.wording import describe_portrait

__all__ = [
    "NOT_SEGMENTED", "RFM_GRID", "Channel", "ConsentPolicy", "ContactSelection",
    "CustomerClusters", "Exclusion", "KSelection", "Lifecycle", "LifecycleResult", "Migration",
    "NotFittedError", "RfmResult", "RfmSegment", "SegmentPortrait", "Trait", "TraitCode",
    "TypicalMember", "describe_portrait", "describe_segments", "lifecycle_segments",
    "migration_between_seasons", "migration_matrix", "quintile_scores", "rfm_segments",
    "seasons_since_last", "select_contacts",
]
