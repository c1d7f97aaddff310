"""The catalogue of Arena's import fields: names, labels, kinds, aliases and the required-field rule."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from arena.ingest.mapping import Mapping


@dataclass(frozen=True)
class FieldSpec:
    """One canonical field; its name is part of the CLI/JSON contract and must never change."""

    name: str
    label: str
    label_fr: str
    kind: str  # text, date, money, email, phone, postal_code, gender, country, id, currency
    required: bool
    aliases: tuple[str, ...]
    constant_allowed: bool
    # Header words that name one *part* of a field (a time next to a date, a seat row next to a
    # block); several part columns may be joined into the field, a whole column may not.
    part_aliases: tuple[str, ...] = ()


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "event_name", "Event name", "Nom de l'événement", "text", True,
        ("event", "event name", "event title", "event slug", "evenement", "nom evenement",
         "nom de l evenement", "nom de la manifestation", "manifestation", "spectacle",
         "nom du spectacle", "epreuve", "course", "match", "rencontre", "titre", "representation",
         "performance", "show", "produit evenement", "nom de l epreuve"),
        True,
    ),
    FieldSpec(
        "event_date", "Event date", "Date de l'événement", "date", True,
        ("event date", "date", "date evenement", "date de l evenement", "date du spectacle",
         "date spectacle", "date representation", "date de la representation", "date du match",
         "date de l epreuve", "date de la seance", "date seance", "start date", "event start",
         "event start date", "performance date", "date debut", "date de debut", "jour"),
        True,
        ("heure", "time", "heure representation", "heure de la representation", "heure debut",
         "heure du spectacle", "heure seance", "start time", "event time", "heure evenement"),
    ),
    FieldSpec(
        "venue", "Venue", "Lieu", "text", False,
        ("venue", "venue name", "lieu", "nom du lieu", "salle", "site", "stade", "location",
         "facility", "theatre", "enceinte"),
        True,
    ),
    FieldSpec(
        "ticket_id", "Ticket number", "Numéro de billet", "id", False,
        ("ticket id", "ticket number", "ticket no", "ticket", "ticket code", "billet", "id billet",
         "numero billet", "numero de billet", "n billet", "n de billet", "no billet",
         "num billet", "reference billet", "code billet", "code barre", "barcode", "attendee #",
         "attendee id", "participant id", "numero ticket", "numero du billet", "e ticket",
         "pseudonymization id"),
        False,
    ),
    FieldSpec(
        "order_id", "Order number", "Numéro de commande", "id", False,
        ("order id", "order", "order #", "order number", "order no", "order code", "order ref",
         "commande", "id commande", "numero commande", "numero de commande", "n commande",
         "n de commande", "no commande", "num commande", "reference commande",
         "reference de la commande", "ref commande", "reservation", "numero reservation",
         "numero de reservation", "booking reference", "booking id", "transaction id",
         "dossier", "numero de dossier", "panier"),
        False,
    ),
    FieldSpec(
        # Identifies a ticket together with its order number, in a file that has no ticket
        # number (the line of the order: 1, 2, 3…).
        "order_line", "Line in order", "Ligne de commande", "id", False,
        ("position", "position id", "ligne", "numero de ligne", "ligne de commande",
         "n ligne", "no ligne", "line", "line number", "order line", "order position",
         "item number", "numero d article"),
        False,
    ),
    FieldSpec(
        "price", "Price", "Prix", "money", True,
        ("price", "prix", "montant", "amount", "paiement", "payment", "total paid", "paid",
         "price paid", "prix paye", "montant paye", "prix ttc", "montant ttc", "montant du tarif",
         "montant tarif", "ticket price", "prix du billet", "prix billet", "gross", "total",
         "montant total", "total ttc", "prix de vente", "tarif ttc"),
        False,
    ),
    FieldSpec(
        "currency", "Currency", "Devise", "currency", False,
        ("currency", "devise", "monnaie", "currency code", "code devise"),
        True,
    ),
    FieldSpec(
        "category", "Seat category", "Catégorie", "text", False,
        ("category", "categorie", "cat", "seat category", "categorie de place", "categorie place",
         "price category", "categorie tarifaire", "zone", "price tier", "classe", "variation"),
        True,
    ),
    FieldSpec(
        "tariff", "Tariff", "Tarif", "text", False,
        ("tariff", "tarif", "rate", "ticket type", "type de billet", "type billet", "formule",
         "formule du billet", "type de tarif", "nom du tarif", "product", "produit",
         "type de produit", "price type", "price level", "fare", "offre"),
        True,
    ),
    FieldSpec(
        "channel", "Sales channel", "Canal de vente", "text", False,
        ("channel", "sales channel", "canal", "canal de vente", "canal d achat", "filiere",
         "filiere de vente", "point de vente", "reseau", "reseau de vente", "distributeur",
         "origine", "source", "vendu par", "mode de vente"),
        True,
    ),
    FieldSpec(
        "purchase_date", "Purchase date", "Date d'achat", "date", False,
        ("purchase date", "order date", "date commande", "date de commande", "date de la commande",
         "date d achat", "date achat", "date reservation", "date de reservation", "date de vente",
         "date vente", "sale date", "transaction date", "created", "created at", "date creation",
         "date de creation", "booking date", "date d inscription", "date inscription",
         "date de paiement", "payment date"),
        True,
        ("order time", "heure commande", "heure de commande", "heure d achat", "heure achat",
         "heure reservation", "heure de reservation", "heure de vente", "purchase time"),
    ),
    FieldSpec(
        "seat", "Seat", "Place", "text", False,
        ("seat", "seat name", "place", "siege", "fauteuil", "emplacement", "seat label",
         "numero de place", "place assise"),
        False,
        ("block", "bloc", "tribune", "rang", "rangee", "row", "seat row", "seat number",
         "numero de siege", "numero place", "porte", "acces", "seat zone", "section"),
    ),
    FieldSpec(
        "customer_email", "Email", "Courriel", "email", False,
        ("email", "e mail", "mail", "courriel", "adresse email", "adresse e mail", "adresse mail",
         "adresse courriel", "email address", "e mail address", "attendee email", "buyer email",
         "email acheteur", "email de l acheteur", "email participant", "email payeur",
         "customer email", "mel"),
        False,
    ),
    FieldSpec(
        "customer_last_name", "Last name", "Nom", "text", False,
        ("nom", "last name", "lastname", "surname", "family name", "nom de famille",
         "nom acheteur", "nom de l acheteur", "nom participant", "nom du participant",
         "nom payeur", "nom adherent", "nom client", "buyer last name", "attendee last name",
         "customer last name", "name"),
        False,
    ),
    FieldSpec(
        "customer_first_name", "First name", "Prénom", "text", False,
        ("prenom", "first name", "firstname", "given name", "prenom acheteur",
         "prenom de l acheteur", "prenom participant", "prenom du participant", "prenom payeur",
         "prenom adherent", "prenom client", "buyer first name", "attendee first name",
         "customer first name", "forename"),
        False,
    ),
    FieldSpec(
        "customer_birth_date", "Birth date", "Date de naissance", "date", False,
        ("date de naissance", "birth date", "birthdate", "date of birth", "dob", "naissance",
         "birthday", "ne le", "date naissance"),
        False,
    ),
    FieldSpec(
        "customer_phone", "Phone", "Téléphone", "phone", False,
        ("telephone", "tel", "phone", "phone number", "mobile", "mobile phone", "telephone mobile",
         "telephone portable", "portable", "cell phone", "cellphone", "numero de telephone",
         "gsm", "tel portable", "tel mobile", "telephone fixe"),
        False,
    ),
    FieldSpec(
        "customer_address", "Address", "Adresse", "text", False,
        ("adresse", "address", "adresse postale", "rue", "street", "address 1", "address line 1",
         "adresse 1", "adresse ligne 1", "voie", "billing address", "adresse de facturation"),
        False,
    ),
    FieldSpec(
        "customer_postal_code", "Postal code", "Code postal", "postal_code", False,
        ("code postal", "cp", "zip", "zip code", "zipcode", "postal code", "postcode",
         "code postal acheteur", "cp acheteur"),
        False,
    ),
    FieldSpec(
        "customer_city", "City", "Ville", "text", False,
        ("ville", "city", "commune", "localite", "town", "ville acheteur"),
        False,
    ),
    FieldSpec(
        "customer_country", "Country", "Pays", "country", False,
        ("pays", "country", "country code", "code pays", "pays acheteur", "nationalite"),
        False,
    ),
    FieldSpec(
        "customer_gender", "Gender", "Sexe", "gender", False,
        ("sexe", "genre", "civilite", "gender", "sex", "title", "civility", "salutation"),
        False,
    ),
)

FIELDS_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}
FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in FIELDS)
IDENTIFIER_FIELDS: tuple[str, ...] = ("ticket_id", "order_id")

_NOT_WORD = re.compile(r"[^a-z0-9#]+")


def fold(text: str) -> str:
    """Fold a header for comparison: accents, case, punctuation and spacing do not matter.

    `#` is kept because `Order #` and `Attendee #` are real vendor headers where it means "number".
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", without_accents.lower()).strip()


def missing_required(mapping: Mapping) -> list[str]:
    """Required fields neither mapped to a column nor given as a constant, in catalogue order.

    The identifier rule is one requirement satisfied by either `ticket_id` or `order_id`; when
    neither is present it is reported as `ticket_id`, the preferred identifier.
    """
    present = set(mapping.columns.values()) | {
        name for name, value in mapping.constants.items() if str(value).strip()
    }
    missing = [spec.name for spec in FIELDS if spec.required and spec.name not in present]
    if not present.intersection(IDENTIFIER_FIELDS):
        missing.append("ticket_id")
    return sorted(missing, key=FIELD_NAMES.index)
