"""Vendor-shaped CSV exports of canonical ticket rows, with the imperfections real exports carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Imperfections:
    """Shares of rows damaged the way real exports are (documented in docs/demo-data.md)."""

    missing_email: float = 0.0
    missing_birth_date: float = 0.0
    name_typo: float = 0.004
    city_variant: float = 0.06
    excel_phone: float = 0.0
    duplicate_row: float = 0.003


@dataclass(frozen=True)
class ExportLayout:
    """How one vendor writes a ticket export: headers, separator, encoding, value formats."""

    vendor: str
    columns: tuple[tuple[str, str], ...]  # (header, canonical field)
    delimiter: str
    encoding: str
    datetime_format: str
    date_format: str
    price_style: str  # "euro_comma" (48,00 €) or "dot" (48.00)
    gender_labels: dict[str, str] = field(default_factory=dict)
    upper_last_name: bool = False
    drop_postal_leading_zero: bool = False
    imperfections: Imperfections = Imperfections()

    def mapping(self, constants: dict[str, str] | None = None) -> dict:
        """The Mapping JSON the import pipeline needs for this layout."""
        return {"columns": {header: name for header, name in self.columns},
                "constants": dict(constants or {})}


SECUTIX = ExportLayout(
    vendor="secutix",
    columns=(("N° billet", "ticket_id"), ("N° commande", "order_id"),
             ("Date de commande", "purchase_date"), ("Manifestation", "event_name"),
             ("Date de la manifestation", "event_date"), ("Lieu", "venue"),
             ("Catégorie", "category"), ("Tarif", "tariff"), ("Canal de vente", "channel"),
             ("Place", "seat"), ("Montant TTC", "price"), ("Devise", "currency"),
             ("Civilité", "customer_gender"), ("Nom", "customer_last_name"),
             ("Prénom", "customer_first_name"), ("E-mail", "customer_email"),
             ("Date de naissance", "customer_birth_date"), ("Téléphone", "customer_phone"),
             ("Adresse", "customer_address"), ("Code postal", "customer_postal_code"),
             ("Ville", "customer_city"), ("Pays", "customer_country")),
    delimiter=";", encoding="cp1252", datetime_format="%d/%m/%Y %H:%M", date_format="%d/%m/%Y",
    price_style="euro_comma", gender_labels={"M": "M.", "F": "Mme"},
    imperfections=Imperfections(missing_email=0.12, missing_birth_date=0.35, excel_phone=0.03),
)
WEEZEVENT = ExportLayout(
    vendor="weezevent",
    columns=(("Code-barres", "ticket_id"), ("N° de commande", "order_id"),
             ("Date de commande", "purchase_date"), ("Événement", "event_name"),
             ("Date de l'événement", "event_date"), ("Salle", "venue"), ("Catégorie", "category"),
             ("Tarif", "tariff"), ("Origine", "channel"), ("Placement", "seat"), ("Prix", "price"),
             ("Nom", "customer_last_name"), ("Prénom", "customer_first_name"),
             ("Email", "customer_email"), ("Date de naissance", "customer_birth_date"),
             ("Sexe", "customer_gender"), ("Téléphone", "customer_phone"),
             ("Adresse", "customer_address"), ("Code postal", "customer_postal_code"),
             ("Ville", "customer_city"), ("Pays", "customer_country")),
    delimiter=",", encoding="utf-8", datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d",
    price_style="dot", gender_labels={"M": "Homme", "F": "Femme"},
    imperfections=Imperfections(missing_email=0.08, missing_birth_date=0.40),
)
NJUKO = ExportLayout(
    vendor="njuko",
    columns=(("Épreuve", "event_name"), ("Date", "purchase_date"), ("Order ID", "order_id"),
             ("Paiement", "price"), ("Adresse email", "customer_email"),
             ("Nom", "customer_last_name"), ("Prénom", "customer_first_name"),
             ("Adresse", "customer_address"), ("Code postal", "customer_postal_code"),
             ("Ville", "customer_city"), ("Pays", "customer_country"),
             ("Date de naissance", "customer_birth_date"), ("Téléphone mobile", "customer_phone")),
    delimiter=";", encoding="utf-8", datetime_format="%d/%m/%Y %H:%M", date_format="%d/%m/%Y",
    price_style="dot", upper_last_name=True, drop_postal_leading_zero=True,
    imperfections=Imperfections(missing_email=0.01, missing_birth_date=0.005, excel_phone=0.7),
)


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:]


def _city_variant(rng: np.random.Generator, city: str) -> str:
    import unicodedata

    kind = int(rng.integers(0, 3))
    if kind == 0:
        return city.upper()
    if kind == 1:
        return unicodedata.normalize("NFKD", city).encode("ascii", "ignore").decode()
    return city.replace("Saint-", "St ").replace("-", " ")


def excel_mangled_phone(phone: str) -> str:
    """What Excel shows after reading +33 mobile numbers as numbers: `3,367E+10`."""
    digits = "33" + phone.lstrip("0")
    mantissa = f"{int(digits) / 10 ** (len(digits) - 1):.3f}".rstrip("0").rstrip(".")
    return f"{mantissa.replace('.', ',')}E+{len(digits) - 1}"


def degrade(rng: np.random.Generator, rows: pd.DataFrame, imperfections: Imperfections) -> pd.DataFrame:
    """Damage a copy of canonical rows by the layout's imperfection rates."""
    rows = rows.copy()
    n = len(rows)
    rows.loc[rng.random(n) < imperfections.missing_email, "customer_email"] = ""
    rows.loc[rng.random(n) < imperfections.missing_birth_date, "customer_birth_date"] = pd.NaT
    typo = np.flatnonzero(rng.random(n) < imperfections.name_typo)
    rows.iloc[typo, rows.columns.get_loc("customer_last_name")] = [
        _typo(rng, name) for name in rows["customer_last_name"].iloc[typo]]
    variant = np.flatnonzero(rng.random(n) < imperfections.city_variant)
    rows.iloc[variant, rows.columns.get_loc("customer_city")] = [
        _city_variant(rng, city) for city in rows["customer_city"].iloc[variant]]
    excel = np.flatnonzero(rng.random(n) < imperfections.excel_phone)
    rows.iloc[excel, rows.columns.get_loc("customer_phone")] = [
        excel_mangled_phone(p) for p in rows["customer_phone"].iloc[excel]]
    duplicated = np.flatnonzero(rng.random(n) < imperfections.duplicate_row)
    if len(duplicated):
        rows = pd.concat([rows, rows.iloc[duplicated]]).sort_index(kind="stable")
    return rows.reset_index(drop=True)


def render(rows: pd.DataFrame, layout: ExportLayout) -> pd.DataFrame:
    """Format canonical rows as the vendor writes them (strings, headers, formats)."""
    out = {}
    for header, name in layout.columns:
        values = rows[name]
        if name in ("purchase_date", "event_date"):
            values = pd.to_datetime(values).dt.strftime(layout.datetime_format)
        elif name == "customer_birth_date":
            values = pd.to_datetime(values).dt.strftime(layout.date_format).fillna("")
        elif name == "price":
            values = values.map(lambda p: f"{p:.2f}".replace(".", ",") + " €"
                                if layout.price_style == "euro_comma" else f"{p:.2f}")
        elif name == "customer_gender":
            values = values.map(layout.gender_labels).fillna("")
        elif name == "customer_last_name" and layout.upper_last_name:
            values = values.str.upper()
        elif name == "customer_postal_code" and layout.drop_postal_leading_zero:
            values = values.where(~values.str.fullmatch(r"0\d{4}"), values.str[1:])
        out[header] = values.astype(str).to_numpy()
    return pd.DataFrame(out)


def write_chunk(handle: TextIO, frame: pd.DataFrame, layout: ExportLayout, *, header: bool) -> None:
    """Append one rendered chunk to an open export file."""
    frame.to_csv(handle, sep=layout.delimiter, index=False, header=header, lineterminator="\r\n")
