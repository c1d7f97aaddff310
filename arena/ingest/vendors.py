"""Known ticketing-vendor export layouts, recognized by their header sets, with their field mapping.

Which layouts are verified from public code or documentation and which are assumed is written in
docs/import-detection.md and in each layout's `source`; samples live in arena/data/samples/vendors/.
"""

from __future__ import annotations

from dataclasses import dataclass

from arena.ingest.catalogue import fold

# Share of a vendor's signature headers that must be present to call the file theirs.
MIN_SIGNATURE_SHARE = 0.6


@dataclass(frozen=True)
class VendorLayout:
    """One vendor export: headers that identify it and what its columns mean."""

    name: str
    signature: tuple[str, ...]  # headers, as the vendor writes them, that identify the export
    fields: dict[str, str]  # vendor header -> canonical field (several headers may share a field)
    source: str  # "verified: ..." or "assumed: ..."

    def folded_fields(self) -> dict[str, str]:
        return {fold(header): name for header, name in self.fields.items()}


VENDORS: tuple[VendorLayout, ...] = (
    VendorLayout(
        "pretix",
        ("Event slug", "Order code", "Position ID", "Status", "Email", "Order date", "Order time",
         "Product", "Variation", "Price", "Tax rate", "Attendee name", "Pseudonymization ID"),
        {
            "Event slug": "event_name", "Order code": "order_id",
            "Pseudonymization ID": "ticket_id", "Email": "customer_email",
            "Phone number": "customer_phone", "Order date": "purchase_date",
            "Order time": "purchase_date", "Start date": "event_date", "Product": "tariff",
            "Variation": "category", "Price": "price", "Address": "customer_address",
            "ZIP code": "customer_postal_code", "City": "customer_city",
            "Country": "customer_country", "Seat name": "seat", "Sales channel": "channel",
        },
        "verified: pretix/pretix src/pretix/base/exporters/orderlist.py, order positions sheet",
    ),
    VendorLayout(
        "eventbrite",
        ("Order #", "Order Date", "First Name", "Last Name", "Email", "Quantity", "Price Tier",
         "Ticket Type", "Attendee #", "Order Type", "Currency", "Total Paid", "Fees Paid",
         "Eventbrite Fees", "Eventbrite Payment Processing", "Attendee Status"),
        {
            "Event Name": "event_name", "Order #": "order_id", "Attendee #": "ticket_id",
            "Order Date": "purchase_date", "First Name": "customer_first_name",
            "Last Name": "customer_last_name", "Email": "customer_email",
            "Price Tier": "category", "Ticket Type": "tariff", "Currency": "currency",
            "Total Paid": "price", "Venue Name": "venue",
        },
        "partly verified: the columns from Quantity to Attendee Status appear in a public "
        "project's list of attendee-summary columns; Order #, Order Date, names, Email and "
        "Event Name are assumed from Eventbrite's report screens",
    ),
    VendorLayout(
        "njuko",
        ("Epreuve", "Date", "Order ID", "Paiement", "Adresse email", "Nom", "Prénom", "Adresse",
         "Code postal", "Ville", "Pays", "Date de naissance", "Téléphone mobile"),
        {
            "Epreuve": "event_name", "Date": "purchase_date", "Order ID": "order_id",
            "Paiement": "price", "Adresse email": "customer_email", "Nom": "customer_last_name",
            "Prénom": "customer_first_name", "Adresse": "customer_address",
            "Code postal": "customer_postal_code", "Ville": "customer_city",
            "Pays": "customer_country", "Date de naissance": "customer_birth_date",
            "Téléphone mobile": "customer_phone",
        },
        "verified from the seed report (figure 2.8: a real Njuko race export and its mapping, "
        "where Date is the purchase date and the event date is typed by hand)",
    ),
    VendorLayout(
        "weezevent",
        ("Id", "Code-barre", "Nom", "Prénom", "E-mail", "Tarif", "Montant", "Date d'achat",
         "Événement", "Statut"),
        {
            "Code-barre": "ticket_id", "Id commande": "order_id", "Nom": "customer_last_name",
            "Prénom": "customer_first_name", "E-mail": "customer_email", "Tarif": "tariff",
            "Montant": "price", "Date d'achat": "purchase_date", "Événement": "event_name",
            "Date de l'événement": "event_date", "Catégorie": "category",
            "Code postal": "customer_postal_code", "Ville": "customer_city",
        },
        "assumed: layout reconstructed from Weezevent's French back-office wording",
    ),
    VendorLayout(
        "helloasso",
        ("Référence commande", "Date de la commande", "Statut de la commande", "Nom participant",
         "Prénom participant", "Nom payeur", "Prénom payeur", "Email payeur", "Tarif",
         "Montant tarif"),
        {
            "Référence commande": "order_id", "Date de la commande": "purchase_date",
            "Nom participant": "customer_last_name", "Prénom participant": "customer_first_name",
            "Email payeur": "customer_email", "Tarif": "tariff", "Montant tarif": "price",
            "Numéro de billet": "ticket_id", "Code postal payeur": "customer_postal_code",
            "Ville payeur": "customer_city", "Pays payeur": "customer_country",
            "Date de naissance": "customer_birth_date", "Campagne": "event_name",
        },
        "assumed: layout reconstructed from HelloAsso's French export wording",
    ),
    VendorLayout(
        "secutix",
        ("Numéro de billet", "Numéro de dossier", "Spectacle", "Représentation",
         "Date représentation", "Heure représentation", "Catégorie", "Bloc", "Rang", "Siège",
         "Tarif", "Prix", "Filière de vente"),
        {
            "Numéro de billet": "ticket_id", "Numéro de dossier": "order_id",
            "Spectacle": "event_name", "Date représentation": "event_date",
            "Heure représentation": "event_date", "Catégorie": "category", "Bloc": "seat",
            "Rang": "seat", "Siège": "seat", "Tarif": "tariff", "Prix": "price",
            "Filière de vente": "channel", "Date de vente": "purchase_date", "Lieu": "venue",
            "Nom": "customer_last_name", "Prénom": "customer_first_name",
            "Email": "customer_email", "Code postal": "customer_postal_code",
        },
        "assumed: ticket number, block, rank and seat fields as in the seed's SecuTix parser "
        "(figure 2.5); the header wording is assumed",
    ),
    VendorLayout(
        "shotgun",
        ("Ticket ID", "Order ID", "Event name", "Event date", "Ticket title", "Ticket price",
         "Buyer first name", "Buyer last name", "Buyer email", "Purchase date"),
        {
            "Ticket ID": "ticket_id", "Order ID": "order_id", "Event name": "event_name",
            "Event date": "event_date", "Ticket title": "tariff", "Ticket price": "price",
            "Buyer first name": "customer_first_name", "Buyer last name": "customer_last_name",
            "Buyer email": "customer_email", "Purchase date": "purchase_date",
            "Currency": "currency", "Buyer gender": "customer_gender",
            "Buyer birthday": "customer_birth_date", "Buyer zip code": "customer_postal_code",
        },
        "assumed: layout reconstructed from Shotgun's English dashboard wording",
    ),
    VendorLayout(
        "digitick",
        ("N° billet", "N° commande", "Manifestation", "Date séance", "Heure séance", "Catégorie",
         "Tarif", "Prix", "Point de vente", "Nom", "Prénom", "Email"),
        {
            "N° billet": "ticket_id", "N° commande": "order_id", "Manifestation": "event_name",
            "Date séance": "event_date", "Heure séance": "event_date", "Catégorie": "category",
            "Tarif": "tariff", "Prix": "price", "Point de vente": "channel",
            "Nom": "customer_last_name", "Prénom": "customer_first_name",
            "Email": "customer_email", "Date commande": "purchase_date", "Salle": "venue",
            "Code postal": "customer_postal_code", "Ville": "customer_city",
        },
        "assumed: layout reconstructed from Digitick's French wording",
    ),
)


def detect_vendor(headers: list[str]) -> VendorLayout | None:
    """The vendor whose signature headers are best covered by these headers, if convincing."""
    present = {fold(header) for header in headers}
    best: VendorLayout | None = None
    best_share = MIN_SIGNATURE_SHARE
    for vendor in VENDORS:
        signature = {fold(header) for header in vendor.signature}
        share = len(signature & present) / len(signature)
        if share >= best_share + (1e-9 if best else 0):
            best, best_share = vendor, share
    return best
