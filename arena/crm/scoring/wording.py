"""French and English sentences for reason codes, card warnings and model names.

The models return codes and values only; this small formatter is what the CLI exports and the
first UI use. The sentences are kept in one table per language so that the UI can later move
them into gettext catalogues unchanged (each entry is one msgid with named placeholders).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from arena.crm.scoring.card import CardWarning
from arena.crm.scoring.reasons import Reason

LANGUAGES = ("fr", "en")
EVENT_NOUNS = {
    "fr": {"match": ("match", "matchs"), "show": ("spectacle", "spectacles"),
           "event": ("événement", "événements")},
    "en": {"match": ("match", "matches"), "show": ("show", "shows"),
           "event": ("event", "events")},
}

_REASONS: dict[str, dict[str, str]] = {
    "fr": {
        "attendance": "a assisté à {attended} {noun_of} sur {events}",
        "attendance_so_far": "a assisté à {attended} des {events} {noun_plural} déjà joués",
        "attendance_unknown": "présence aux {noun_plural} non enregistrée",
        "tenure_first": "première saison",
        "tenure": "abonné depuis {seasons} saisons",
        "price_change": "prix {change} au renouvellement",
        "price_change_unknown": "pas de prix la saison précédente",
        "price_level_reduced": "tarif réduit ({percent} du prix habituel)",
        "price_level_above": "a payé plus que le prix habituel ({percent})",
        "price_level": "tarif habituel",
        "distance": "habite à {km} km",
        "distance_unknown": "adresse non localisée",
        "age": "{years} ans",
        "age_unknown": "âge inconnu",
        "gender_F": "femme",
        "gender_M": "homme",
        "gender_unknown": "civilité inconnue",
        "category": "place en {category}",
        "category_unknown": "sans catégorie de place",
        "category_change": "a changé de catégorie ({old} → {new})",
        "category_same": "même catégorie que la saison précédente",
        "single_tickets_none": "aucun billet à l'unité acheté en plus",
        "single_tickets": "{count} billet(s) à l'unité acheté(s) en plus",
        "group_alone": "abonné seul sur sa commande",
        "group": "un des {size} abonnés d'une même commande",
        "renewal_timing_early": "a renouvelé parmi les premiers la dernière fois",
        "renewal_timing_late": "a renouvelé parmi les derniers la dernière fois",
        "renewal_timing": "a renouvelé dans la moyenne la dernière fois",
        "unknown": "autre facteur ({code})",
        "raises": "augmente la probabilité",
        "lowers": "diminue la probabilité",
    },
    "en": {
        "attendance": "attended {attended} of {events} {noun_plural}",
        "attendance_so_far": "attended {attended} of the {events} {noun_plural} played so far",
        "attendance_unknown": "attendance not recorded",
        "tenure_first": "first season",
        "tenure": "holder for {seasons} seasons",
        "price_change": "price {change} on renewal",
        "price_change_unknown": "no price last season",
        "price_level_reduced": "reduced price ({percent} of the usual price)",
        "price_level_above": "paid above the usual price ({percent})",
        "price_level": "usual price",
        "distance": "lives {km} km away",
        "distance_unknown": "home address not located",
        "age": "{years} years old",
        "age_unknown": "age unknown",
        "gender_F": "woman",
        "gender_M": "man",
        "gender_unknown": "title unknown",
        "category": "seat in {category}",
        "category_unknown": "no seat category",
        "category_change": "moved from {old} to {new}",
        "category_same": "same category as last season",
        "single_tickets_none": "no single tickets bought besides",
        "single_tickets": "{count} single ticket(s) bought besides",
        "group_alone": "only holder on the order",
        "group": "one of {size} holders on the same order",
        "renewal_timing_early": "among the first to renew last time",
        "renewal_timing_late": "among the last to renew last time",
        "renewal_timing": "renewed mid-campaign last time",
        "unknown": "other factor ({code})",
        "raises": "raises the chance",
        "lowers": "lowers the chance",
    },
}

_WARNINGS: dict[str, dict[str, str]] = {
    "fr": {
        "thin_data": "Peu de données : les chiffres de validation sont incertains.",
        "single_season": "Une seule saison suivie ({season}) : le modèle est validé sur une "
                         "partie des abonnés de cette saison, pas sur une saison ultérieure.",
        "tenure_from_data_only": "Ancienneté inconnue avant {first_season} : elle est comptée "
                                 "à partir des listes fournies.",
        "no_attendance": "Pas de données de présence : le premier facteur de réabonnement "
                         "manque.",
        "short_validation_window": "Historique court : validé sur {window_days} jours au lieu "
                                   "de {horizon_days}.",
        "horizon_extrapolated": "Probabilité d'achat apprise sur {window_days} jours et étendue "
                                "à {horizon_days} jours.",
        "no_spend_model": "Montants absents ou insuffisants : pas de valeur client.",
    },
    "en": {
        "thin_data": "Little data: the validation figures are uncertain.",
        "single_season": "Only one season followed ({season}): the model is validated on part "
                         "of that season's holders, not on a later season.",
        "tenure_from_data_only": "Tenure before {first_season} is unknown: it is counted from "
                                 "the lists provided.",
        "no_attendance": "No attendance data: the strongest renewal driver is missing.",
        "short_validation_window": "Short history: validated on {window_days} days instead of "
                                   "{horizon_days}.",
        "horizon_extrapolated": "Purchase probability learned over {window_days} days and "
                                "stretched to {horizon_days} days.",
        "no_spend_model": "Amounts missing or too few: no customer value.",
    },
}

_MODELS = {
    "fr": {"spline_logistic": "régression logistique (splines)",
           "gradient_boosting": "gradient boosting (arbres)",
           "pareto_nbd": "Pareto/NBD", "bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD",
           "logistic": "régression logistique RFM", "gamma_gamma": "Gamma-Gamma"},
    "en": {"spline_logistic": "logistic regression (splines)",
           "gradient_boosting": "gradient boosting (trees)",
           "pareto_nbd": "Pareto/NBD", "bg_nbd": "BG/NBD", "mbg_nbd": "MBG/NBD",
           "logistic": "RFM logistic regression", "gamma_gamma": "Gamma-Gamma"},
}


def _check(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"Unsupported language {language!r}: choose fr or en.")


def _percent(value: float, language: str, signed: bool = False) -> str:
    number = round(value * 100)
    text = f"{number:+d}" if signed else f"{number:d}"
    return f"{text}\u00a0%" if language == "fr" else f"{text} %"


def _key_and_values(code: str, v: Mapping[str, Any], language: str,
                    nouns: tuple[str, str]) -> tuple[str, dict[str, Any]]:
    known = v.get("known", True)
    if code == "attendance":
        if not known:
            return "attendance_unknown", {"noun_plural": nouns[1]}
        # French agrees the noun with the count attended (0 and 1 take the singular).
        values = {"attended": v["attended"], "events": v["events"], "noun_plural": nouns[1],
                  "noun_of": nouns[0] if v["attended"] < 2 else nouns[1]}
        return ("attendance" if v.get("season_complete", True) else "attendance_so_far"), values
    if code == "tenure":
        return ("tenure_first", {}) if v["seasons"] <= 1 else ("tenure", {
            "seasons": v["seasons"]})
    if code == "price_change":
        return ("price_change", {"change": _percent(v["change"], language, signed=True)}) \
            if known else ("price_change_unknown", {})
    if code == "price_level":
        if not known:
            return "price_level", {}
        ratio = v["ratio"]
        if ratio < 0.95:
            return "price_level_reduced", {"percent": _percent(ratio, language)}
        if ratio > 1.05:
            return "price_level_above", {"percent": _percent(ratio, language)}
        return "price_level", {}
    if code == "distance":
        return ("distance", {"km": v["km"]}) if known else ("distance_unknown", {})
    if code == "age":
        return ("age", {"years": v["years"]}) if known else ("age_unknown", {})
    if code == "gender":
        return (f"gender_{v['gender']}", {}) if known else ("gender_unknown", {})
    if code == "category":
        return ("category", {"category": v["category"]}) if known else ("category_unknown", {})
    if code == "category_change":
        if known and v.get("changed") and v.get("from") and v.get("to"):
            return "category_change", {"old": v["from"], "new": v["to"]}
        return "category_same", {}
    if code == "single_tickets":
        return ("single_tickets", {"count": v["count"]}) if known and v["count"] else (
            "single_tickets_none", {})
    if code == "group":
        return ("group", {"size": v["size"]}) if known and (v["size"] or 1) > 1 else (
            "group_alone", {})
    if code == "renewal_timing":
        if not known:
            return "renewal_timing", {}
        rank = v["rank"]
        return ("renewal_timing_early" if rank <= 0.25 else "renewal_timing_late"
                if rank >= 0.75 else "renewal_timing"), {}
    return "unknown", {"code": code}


def reason_text(reason: Reason | Mapping[str, Any], language: str = "fr", *,
                event_noun: str = "match", with_effect: bool = False) -> str:
    """One reason as a short sentence: "a assisté à 4 matchs sur 19" / "attended 4 of 19
    matches". ``event_noun`` is ``match``, ``show`` or ``event``; ``with_effect`` appends
    whether it raises or lowers the chance of renewing."""
    _check(language)
    if not isinstance(reason, Reason):
        reason = Reason.from_dict(dict(reason))
    nouns = EVENT_NOUNS[language].get(event_noun, EVENT_NOUNS[language]["event"])
    key, values = _key_and_values(reason.code, reason.values, language, nouns)
    text = _REASONS[language][key].format(**values)
    if with_effect:
        effect = _REASONS[language]["raises" if reason.effect > 0 else "lowers"]
        text = f"{text} ({effect})"
    return text


def warning_text(warning: CardWarning | Mapping[str, Any], language: str = "fr") -> str:
    """A model-card warning as a sentence for the reader of the scores."""
    _check(language)
    if not isinstance(warning, CardWarning):
        warning = CardWarning(str(warning["code"]), dict(warning.get("values") or {}))
    template = _WARNINGS[language].get(warning.code)
    if template is None:
        return warning.code
    return template.format(**warning.values)


def model_name(code: str, language: str = "fr") -> str:
    """The readable name of a model code (``spline_logistic``, ``pareto_nbd``...)."""
    _check(language)
    return _MODELS[language].get(code, code)
