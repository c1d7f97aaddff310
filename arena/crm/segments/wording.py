"""Segment portraits in words, in French and in English: only wording, no statistics.

``describe_portrait(portrait, "fr")`` gives one paragraph such as
"18 % des clients, 35 % du chiffre d'affaires. Client type : familles et groupes de 35 à 44 ans,
habitant à 5–20 km, achetant en Tribune Est deux fois par saison. Se distingue par : ...".
The thresholds that decide what is said live in ``portraits``; this module only phrases codes
and values, so a translator can change a sentence without touching a number.
"""

from __future__ import annotations

from typing import Literal

from arena.crm.analysis.profile_frame import PROFILE_ATTRIBUTES
from arena.crm.segments.portraits import (
    DOMINANT_SHARE,
    SegmentPortrait,
    Trait,
    TraitCode,
    TypicalMember,
)

Language = Literal["fr", "en"]
NARROW_SPACE = "\u202f"

# Group size (median tickets per order) from which a segment is "families and groups", or
# "pairs"; below, people come alone.
GROUPS_FROM = 2.6
PAIRS_FROM = 1.6
SEASON_TICKET_MAJORITY = 0.5

FEATURE_NAMES: dict[str, tuple[str, str]] = {  # name: (English, French)
    "age": ("age", "âge"),
    "distance_km": ("distance from home", "distance au domicile"),
    "group_size": ("tickets per order", "billets par commande"),
    "orders_per_season": ("orders per season", "commandes par saison"),
    "orders": ("orders", "commandes"),
    "tickets": ("tickets", "billets"),
    "events_attended": ("events attended", "événements suivis"),
    "total_spend": ("total spend", "dépense totale"),
    "mean_spend": ("price paid per ticket", "prix payé par billet"),
    "seasons_active": ("seasons as a customer", "saisons d'achat"),
    "days_before_event": ("days booked ahead", "jours d'anticipation"),
    "season_ticket_holder": ("season-ticket holders", "abonnés"),
    "gender": ("gender", "sexe"),
    "favourite_category": ("favourite seating", "catégorie préférée"),
    "favourite_channel": ("favourite channel", "canal préféré"),
}
# How a segment above / below everyone on a number is said: (higher, lower) per language.
# French adjectives agree with their noun, so each phrase is written out whole.
COMPARISONS: dict[str, dict[str, tuple[str, str]]] = {
    "age": {"en": ("older", "younger"), "fr": ("plus âgés", "plus jeunes")},
    "distance_km": {"en": ("living further away", "living closer"),
                    "fr": ("habitant plus loin", "habitant plus près")},
    "group_size": {"en": ("larger groups", "smaller groups"),
                   "fr": ("groupes plus grands", "groupes plus petits")},
    "orders_per_season": {"en": ("more orders per season", "fewer orders per season"),
                          "fr": ("plus de commandes par saison", "moins de commandes par saison")},
    "orders": {"en": ("more orders", "fewer orders"),
               "fr": ("plus de commandes", "moins de commandes")},
    "tickets": {"en": ("more tickets", "fewer tickets"),
                "fr": ("plus de billets", "moins de billets")},
    "events_attended": {"en": ("more events attended", "fewer events attended"),
                        "fr": ("plus d'événements suivis", "moins d'événements suivis")},
    "total_spend": {"en": ("higher total spend", "lower total spend"),
                    "fr": ("dépense totale plus élevée", "dépense totale plus faible")},
    "mean_spend": {"en": ("higher prices paid", "lower prices paid"),
                   "fr": ("prix payés plus élevés", "prix payés plus bas")},
    "seasons_active": {"en": ("more seasons as customers", "fewer seasons as customers"),
                       "fr": ("plus de saisons d'achat", "moins de saisons d'achat")},
    "days_before_event": {"en": ("book earlier", "book later"),
                          "fr": ("réservent plus tôt", "réservent plus tard")},
}
LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "F": ("women", "femmes"),
    "M": ("men", "hommes"),
    "web": ("web", "internet"),
    "box_office": ("box office", "guichet"),
    "mobile": ("mobile", "mobile"),
    "phone": ("phone", "téléphone"),
    "partner": ("partners", "partenaires"),
}


def _pick(language: Language, english: str, french: str) -> str:
    if language not in ("fr", "en"):
        raise ValueError(f"unknown language {language!r}: fr or en")
    return french if language == "fr" else english


def format_number(value: float, language: Language, decimals: int | None = None) -> str:
    """`1234.5` → `1,234.5` (en) or `1 234,5` (fr); whole below 10 gets one decimal if needed."""
    if decimals is None:
        decimals = 0 if abs(value) >= 10 or float(value).is_integer() else 1
    text = f"{value:,.{decimals}f}"
    if language == "fr":
        text = text.replace(",", NARROW_SPACE).replace(".", ",")
    return text


def format_share(share: float, language: Language) -> str:
    percent = format_number(round(share * 100), language, 0)
    return f"{percent}{NARROW_SPACE}%" if language == "fr" else f"{percent} %"


def format_value(feature: str, value: float | str, language: Language) -> str:
    """A value with its unit: `25 €`, `12 km`, `41 ans`."""
    if isinstance(value, str):
        return level_name(value, language)
    unit = PROFILE_ATTRIBUTES[feature].unit if feature in PROFILE_ATTRIBUTES else None
    number = format_number(value, language)
    if unit == "EUR":
        return f"{number}{NARROW_SPACE}€" if language == "fr" else f"€{number}"
    if unit == "km":
        return f"{number} km"
    if unit == "years":
        return f"{number} {_pick(language, 'years', 'ans')}"
    if unit == "days":
        one = float(value) == 1
        return f"{number} {_pick(language, 'day' if one else 'days', 'jour' if one else 'jours')}"
    return number


def feature_name(feature: str, language: Language) -> str:
    names = FEATURE_NAMES.get(feature)
    return _pick(language, *names) if names else feature


def level_name(level: str, language: Language) -> str:
    names = LEVEL_NAMES.get(level)
    return _pick(language, *names) if names else level


def headline(portrait: SegmentPortrait, language: Language) -> str:
    customers = format_share(portrait.share, language)
    revenue = format_share(portrait.revenue_share, language)
    return _pick(
        language,
        f"{customers} of customers, {revenue} of revenue",
        f"{customers} des clients, {revenue} du chiffre d'affaires",
    )


def _who(typical: TypicalMember, language: Language) -> str:
    size = typical.group_size
    if size is None:
        who = _pick(language, "customers", "clients")
    elif size >= GROUPS_FROM:
        who = _pick(language, "families and groups", "familles et groupes")
    elif size >= PAIRS_FROM:
        who = _pick(language, "people coming in pairs", "spectateurs venant à deux")
    else:
        who = _pick(language, "people coming alone", "spectateurs venant seuls")
    if typical.gender is not None:
        who += _pick(language, ", mostly ", ", surtout des ") + level_name(typical.gender, language)
    return who


def _age(band: str, language: Language) -> str:
    if band.startswith("<"):
        return _pick(language, f"under {band[1:]}", f"de moins de {band[1:]} ans")
    if band.endswith("+"):
        return _pick(language, f"aged {band[:-1]} and over", f"de {band[:-1]} ans et plus")
    low, high = band.split("-")
    return _pick(language, f"aged {low}–{high}", f"de {low} à {high} ans")


def _distance(band: str, language: Language) -> str:
    if band.startswith("<"):
        return _pick(language, f"living within {band[1:]} km", f"habitant à moins de {band[1:]} km")
    if band.endswith("+"):
        return _pick(language, f"living more than {band[:-1]} km away",
                     f"habitant à plus de {band[:-1]} km")
    low, high = band.split("-")
    return _pick(language, f"living {low}–{high} km away", f"habitant à {low}–{high} km")


def _frequency(orders_per_season: float, language: Language) -> str:
    times = round(orders_per_season)
    if orders_per_season < 0.75:
        return _pick(language, "less than once a season", "moins d'une fois par saison")
    if times == 1:
        return _pick(language, "once a season", "une fois par saison")
    if times == 2:
        return _pick(language, "twice a season", "deux fois par saison")
    return _pick(language, f"{times} times a season", f"{times} fois par saison")


def typical_member(typical: TypicalMember, language: Language) -> str:
    """"families and groups aged 35–44, living 5–20 km away, buying Tribune Est twice a
    season" from whatever the typical member has."""
    parts = [_who(typical, language)]
    if typical.age_band:
        parts[0] += " " + _age(typical.age_band, language)
    if typical.distance_band:
        parts.append(_distance(typical.distance_band, language))
    buying = ""
    if typical.favourite_category and (typical.category_share or 0) >= DOMINANT_SHARE:
        buying = _pick(language, "buying ", "achetant en ") + typical.favourite_category
    if typical.orders_per_season is not None:
        frequency = _frequency(typical.orders_per_season, language)
        buying = f"{buying} {frequency}" if buying else _pick(
            language, f"buying {frequency}", f"achetant {frequency}"
        )
    if buying:
        parts.append(buying)
    if (typical.season_ticket_share or 0) >= SEASON_TICKET_MAJORITY:
        parts.append(_pick(language, "most of them season-ticket holders",
                           "pour la plupart abonnés"))
    return ", ".join(parts)


def trait_phrase(trait: Trait, language: Language) -> str:
    """"higher price paid per ticket (€110 vs €25)", "mostly box office (64 % vs 21 %)"..."""
    name = feature_name(trait.feature, language)
    versus = _pick(language, "vs", "contre")
    if trait.code in (TraitCode.HIGHER, TraitCode.LOWER):
        seg = format_value(trait.feature, trait.segment_value, language)
        overall = format_value(trait.feature, trait.overall_value, language)
        higher = trait.code is TraitCode.HIGHER
        known = COMPARISONS.get(trait.feature)
        if known:
            words = known[language][0 if higher else 1]
        elif language == "fr":
            words = f"{name} : {'plus élevé' if higher else 'plus faible'}"
        else:
            words = f"{'higher' if higher else 'lower'} {name}"
        return f"{words} ({seg} {versus} {overall})"
    seg_share = format_share(trait.segment_share or 0.0, language)
    overall_share = format_share(trait.overall_share or 0.0, language)
    if trait.code is TraitCode.MOSTLY:
        level = level_name(str(trait.segment_value), language)
        return f"{name} : {level} ({seg_share} {versus} {overall_share})" if language == "fr" \
            else f"{name}: {level} ({seg_share} {versus} {overall_share})"
    more = trait.code is TraitCode.MORE_OFTEN
    words = _pick(
        language,
        f"{'more' if more else 'fewer'} {name}",
        f"{'plus' if more else 'moins'} d'{name}" if name[:1] in "aeiouéè"
        else f"{'plus' if more else 'moins'} de {name}",
    )
    return f"{words} ({seg_share} {versus} {overall_share})"


def describe_portrait(portrait: SegmentPortrait, language: Language = "fr") -> str:
    """The paragraph shown under a segment's name."""
    text = headline(portrait, language) + ". "
    text += _pick(language, "Typical member: ", "Client type : ")
    text += typical_member(portrait.typical, language) + "."
    if portrait.traits:
        phrases = "; ".join(trait_phrase(trait, language) for trait in portrait.traits)
        text += _pick(language, " Stands out by: ", " Se distingue par : ") + phrases + "."
    return text
