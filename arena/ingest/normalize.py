"""Pure rules that turn validated ticket rows into the normalized model's natural keys: customer
keys, folded city names, French departments, seasons, and the kinds of events, tariffs and
channels guessed from their names."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import pandas as pd

# Sports and performing-arts seasons run from July to June; races are labelled by year.
SEASON_FIRST_MONTH = 7

_EVENT_TYPE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("race", ("marathon", "semi", "trail", "course", "10 km", "10km", "run", "corrida", "relais")),
    ("match", (" vs ", " vs. ", " - ", " contre ", "match", "journee", "ligue", "coupe", "derby")),
    ("concert", ("concert", "live", "tournee", "tour ")),
    ("exhibition", ("salon", "expo", "exposition", "musee", "festival du")),
    ("show", ("theatre", "spectacle", "opera", "ballet", "comedie", "piece", "show", "cirque")),
)

_TARIFF_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("season_ticket", ("abonn", "season", "saison", "pass annuel")),
    ("group", ("group", "ce ", "comite", "collectiv", "scolaire")),
    ("free", ("gratuit", "invit", "exonere", "free", "complimentary", "0 eur")),
    (
        "reduced",
        ("reduit", "reduced", "etudiant", "student", "senior", "enfant", "child", "jeune", "youth",
         "demandeur", "chomeur", "pmr", "moins de", "-26", "concession", "famille", "family"),
    ),
    ("full", ("plein", "full", "normal", "standard", "adulte", "adult", "public", "general")),
)

_CHANNEL_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mobile", ("mobile", "app", "appli")),
    ("web", ("web", "internet", "online", "en ligne", "site", "e-commerce", "ecommerce")),
    ("box_office", ("guichet", "box office", "billetterie", "caisse", "sur place", "counter")),
    ("phone", ("tel", "phone", "call")),
    (
        "partner",
        ("partenaire", "partner", "revendeur", "reseller", "fnac", "ticketmaster", "digitick",
         "francebillet", "carrefour", "agence", "tiers"),
    ),
)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: the comparison form of a name."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").lower()
    return re.sub(r"\s+", " ", re.sub(r"[^0-9a-z]+", " ", stripped)).strip()


def fold_city(name: str) -> str:
    """The key under which spellings of one city meet: `St-Étienne`, `SAINT ETIENNE`."""
    key = f" {fold(name)} "
    key = key.replace(" st ", " saint ").replace(" ste ", " sainte ")
    key = re.sub(r" (cedex|cdx)( \d+)? ", " ", key)
    return key.strip()


def _kind(name: str, table: tuple[tuple[str, tuple[str, ...]], ...], default: str) -> str:
    folded = f" {fold(name)} "
    for kind, words in table:
        if any(word in folded for word in words):
            return kind
    return default


def event_type(name: str) -> str:
    """match / race / concert / exhibition / show / other, guessed from the event's name."""
    lowered = f" {name.lower()} "
    if any(word in lowered for word in (" vs ", " vs. ", " - ")) and not re.search(
        r"\d+ ?km|marathon|trail", lowered
    ):
        return "match"
    return _kind(name, _EVENT_TYPE_WORDS, "other")


def tariff_kind(name: str) -> str:
    return _kind(name, _TARIFF_KIND_WORDS, "other")


def channel_kind(name: str) -> str:
    return _kind(name, _CHANNEL_KIND_WORDS, "other")


def season_label(starts_at: datetime, kind: str) -> str:
    """`2023-2024` for a July-to-June season; the plain year for races held once a year."""
    if kind == "race":
        return str(starts_at.year)
    first = starts_at.year if starts_at.month >= SEASON_FIRST_MONTH else starts_at.year - 1
    return f"{first}-{first + 1}"


def season_bounds(label: str) -> tuple[datetime, datetime]:
    if "-" in label:
        first = int(label.split("-")[0])
        return datetime(first, SEASON_FIRST_MONTH, 1), datetime(first + 1, SEASON_FIRST_MONTH - 1, 30)
    year = int(label)
    return datetime(year, 1, 1), datetime(year, 12, 31)


def department_code(postal_code: str | None, country: str | None) -> str | None:
    """The French département of a postal code (2A/2B for Corsica, 3 digits overseas)."""
    if not postal_code or (country or "FR") != "FR" or not re.fullmatch(r"\d{5}", postal_code):
        return None
    if postal_code.startswith("20"):
        return "2A" if int(postal_code) < 20200 else "2B"
    if postal_code.startswith("97") or postal_code.startswith("98"):
        return postal_code[:3]
    return postal_code[:2]


def _folded(values: pd.Series) -> pd.Series:
    """`fold` applied once per distinct value (names repeat a lot), NA kept as NA."""
    text_values = values.astype(object).where(values.notna(), None)
    distinct = {v: fold(str(v)) for v in pd.unique(text_values.dropna())}
    return text_values.map(distinct).astype(object)


def customer_keys(frame: pd.DataFrame) -> pd.Series:
    """One stable key per buyer: the e-mail when present, otherwise a hash of last name, first
    name, birth date and postal code (needs a last name and a birth date or postal code).
    Rows that identify nobody get NA: the ticket is kept, without a customer."""
    index = frame.index

    def column(name: str) -> pd.Series:
        if name not in frame.columns:
            return pd.Series([None] * len(frame), index=index, dtype=object)
        values = frame[name].astype(object)
        return values.where(values.notna() & (values != ""), None)

    email = column("email")
    last = _folded(column("last_name"))
    first = _folded(column("first_name")).fillna("")
    birth_values = pd.to_datetime(column("birth_date"), errors="coerce")
    birth = birth_values.dt.strftime("%Y-%m-%d").astype(object).where(birth_values.notna(), None)
    postal = column("postal_code")
    identifiable = last.notna() & (last != "") & (birth.notna() | postal.notna())
    composite = (
        last.fillna("") + "|" + first + "|" + birth.fillna("") + "|" + postal.fillna("").astype(str)
    )
    hashed = pd.Series(
        [f"h:{h:016x}" for h in pd.util.hash_pandas_object(composite, index=False)],
        index=index,
        dtype=object,
    )
    keys = email.where(email.notna(), hashed.where(identifiable, None))
    return keys.astype("string")
