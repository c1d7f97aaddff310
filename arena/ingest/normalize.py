"""Pure rules that turn validated ticket rows into the normalized model's natural keys: customer
keys, folded city names, French departments, seasons, and the kinds of events, tariffs and
channels guessed from their names."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


# Names of the countries customers most often come from; any other keeps its ISO code as name.
COUNTRY_NAMES = {
    "FR": "France", "BE": "Belgique", "CH": "Suisse", "LU": "Luxembourg", "DE": "Allemagne",
    "ES": "Espagne", "IT": "Italie", "GB": "Royaume-Uni", "NL": "Pays-Bas", "PT": "Portugal",
    "US": "États-Unis", "CA": "Canada", "MC": "Monaco", "IE": "Irlande", "AT": "Autriche",
    "MA": "Maroc", "DZ": "Algérie", "TN": "Tunisie", "SN": "Sénégal", "PL": "Pologne",
}


def country_name(iso2: str) -> str:
    return COUNTRY_NAMES.get(iso2, iso2)


def department_code(postal_code: str | None, country: str | None) -> str | None:
    """The French département of a postal code (2A/2B for Corsica, 3 digits overseas)."""
    if not postal_code or (country or "FR") != "FR" or not re.fullmatch(r"\d{5}", postal_code):
        return None
    if postal_code.startswith("20"):
        return "2A" if int(postal_code) < 20200 else "2B"
    if postal_code.startswith("97") or postal_code.startswith("98"):
        return postal_code[:3]
    return postal_code[:2]


def _arrow_text(frame: pd.DataFrame, name: str) -> pa.ChunkedArray:
    """A column as Arrow text with blanks as nulls (absent columns are all null)."""
    if name not in frame.columns:
        return pa.chunked_array([pa.nulls(len(frame), pa.string())])
    values = frame[name]
    if pd.api.types.is_datetime64_any_dtype(values):
        text = pa.chunked_array([pa.array(values.dt.strftime("%Y-%m-%d"), type=pa.string(),
                                          from_pandas=True)])
    elif isinstance(values.dtype, pd.StringDtype):  # already Arrow (or plain) strings
        text = pa.chunked_array([pa.array(values, type=pa.string(), from_pandas=True)])
    else:
        text = pa.chunked_array([pa.array(values.astype(object), type=pa.string(),
                                          from_pandas=True)])
    return pc.if_else(pc.equal(pc.utf8_trim_whitespace(text), ""), pa.scalar(None, pa.string()),
                      text)


def _arrow_fold(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """`fold` in Arrow kernels: NFKD, marks dropped, lower-case, non-alphanumerics to spaces."""
    decomposed = pc.utf8_normalize(text, "NFKD")
    unmarked = pc.replace_substring_regex(decomposed, r"\p{Mn}+", "")
    lowered = pc.utf8_lower(pc.replace_substring(pc.replace_substring(unmarked, "œ", "oe"), "æ", "ae"))
    spaced = pc.replace_substring_regex(lowered, r"[^0-9a-z]+", " ")
    return pc.utf8_trim_whitespace(spaced)


def customer_keys(frame: pd.DataFrame) -> pd.Series:
    """One stable key per buyer: the e-mail when present, otherwise a hash of last name, first
    name, birth date and postal code (needs a last name and a birth date or postal code).
    Rows that identify nobody get NA: the ticket is kept, without a customer. Vectorized in
    Arrow: this runs on every imported row."""
    email = _arrow_text(frame, "email")
    keys = pd.Series(pd.array(email, dtype=pd.StringDtype("pyarrow")), index=frame.index)
    without_email = np.flatnonzero(pc.is_null(email).to_numpy(zero_copy_only=False))
    if len(without_email):  # names are folded and hashed only for the rows that need it
        keys.iloc[without_email] = _identity_hashes(frame.iloc[without_email])
    return keys


def _identity_hashes(frame: pd.DataFrame) -> pd.arrays.ArrowStringArray:
    """`h:<hash>` of last name, first name, birth date and postal code, or NA when they do not
    identify anyone."""
    last = _arrow_fold(_arrow_text(frame, "last_name"))
    first = _arrow_fold(_arrow_text(frame, "first_name"))
    birth = _arrow_text(frame, "birth_date")
    postal = _arrow_text(frame, "postal_code")
    identifiable = pc.and_(
        pc.and_kleene(pc.is_valid(last), pc.not_equal(pc.fill_null(last, ""), "")),
        pc.or_(pc.is_valid(birth), pc.is_valid(postal)),
    )
    composite = pc.binary_join_element_wise(
        *(pc.fill_null(part, "") for part in (last, first, birth, postal)), "|"
    )
    hashes = pd.util.hash_pandas_object(
        pd.Series(composite.to_pandas(), dtype=object), index=False
    ).to_numpy()
    hashed = pc.binary_join_element_wise("h", pc.cast(pa.array(hashes), pa.string()), ":")
    keys = pc.if_else(identifiable, hashed, pa.scalar(None, pa.string()))
    return pd.array(keys, dtype=pd.StringDtype("pyarrow"))
