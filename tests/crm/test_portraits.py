"""Each segment is described from what sets it apart, in codes and values, then in French and English."""

from __future__ import annotations

import pandas as pd
import pytest

from arena.crm.segments import TraitCode, describe_portrait, describe_segments, rfm_segments
from arena.crm.segments.wording import format_number, format_share, typical_member
from tests.support.customer_profiles import planted_audience


@pytest.fixture(scope="module")
def portraits():
    audience = planted_audience(8_000, segments=4, seed=3)
    names = [archetype.name for archetype in audience.archetypes]
    labels = pd.Series(
        [names[i] for i in audience.planted], index=audience.profiles["customer_id"]
    )
    return audience, {p.segment: p for p in describe_segments(audience.profiles, labels)}


def test_sizes_and_revenue_shares_add_up(portraits) -> None:
    audience, by_name = portraits
    assert sum(p.customers for p in by_name.values()) == len(audience.profiles)
    assert sum(p.share for p in by_name.values()) == pytest.approx(1.0)
    assert sum(p.revenue for p in by_name.values()) == pytest.approx(audience.profiles["total_spend"].sum())
    assert sum(p.revenue_share for p in by_name.values()) == pytest.approx(1.0)


def test_a_segment_is_told_apart_by_what_was_planted_in_it(portraits) -> None:
    _, by_name = portraits
    afar = by_name["visitors_from_afar"]
    assert afar.typical.distance_band == "300+"
    assert any(t.code is TraitCode.HIGHER and t.feature == "distance_km" for t in afar.traits)
    families = by_name["families_nearby"]
    assert families.typical.group_size >= 2.6
    assert families.typical.favourite_category == "Tribune Est"
    assert any(t.code is TraitCode.HIGHER and t.feature == "group_size" for t in families.traits)
    subscribers = by_name["subscribers"]
    assert any(t.code is TraitCode.HIGHER and t.feature == "seasons_active" for t in subscribers.traits)
    assert subscribers.typical.season_ticket_share >= 0.4 and len(subscribers.traits) == 5
    assert [abs(t.effect) for t in subscribers.traits] == sorted(
        (abs(t.effect) for t in subscribers.traits), reverse=True)


def test_the_typical_member_reads_like_the_brief_in_both_languages(portraits) -> None:
    _, by_name = portraits
    families = by_name["families_nearby"].typical
    english = typical_member(families, "en")
    french = typical_member(families, "fr")
    assert english.startswith("families and groups")
    assert "buying Tribune Est" in english and "a season" in english
    assert french.startswith("familles et groupes") and "achetant en Tribune Est" in french
    assert "par saison" in french


def test_the_paragraph_gives_sizes_in_each_languages_number_format(portraits) -> None:
    _, by_name = portraits
    afar = by_name["visitors_from_afar"]
    english, french = describe_portrait(afar, "en"), describe_portrait(afar, "fr")
    assert english.startswith(f"{round(afar.share * 100)} % of customers")
    assert "more than 300 km" in english and "Stands out by:" in english
    assert "à plus de 300 km" in french and "Se distingue par :" in french
    assert format_number(1234.5, "fr", 1) == "1\u202f234,5" and format_number(1234.5, "en", 1) == "1,234.5"
    assert format_number(3.5, "fr") == "3,5" and format_number(1234.5, "en") == "1,234"
    assert format_share(0.184, "fr") == "18\u202f%"
    with pytest.raises(ValueError):
        describe_portrait(afar, "de")  # type: ignore[arg-type]


def test_any_segmentation_can_be_portrayed_such_as_rfm_cells() -> None:
    audience = planted_audience(3_000, segments=3, seed=5)
    rfm = rfm_segments(audience.profiles)
    labels = rfm.scores.set_index("customer_id")["segment"]
    portraits = describe_segments(audience.profiles, labels)
    assert {p.segment for p in portraits} == set(labels.unique())
    assert sum(p.customers for p in portraits) == len(labels)
