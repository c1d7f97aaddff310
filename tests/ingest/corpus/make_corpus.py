"""Writes the messy synthetic export corpus (tests) and the vendor samples, as real bytes.

Run `.venv/bin/python tests/ingest/corpus/make_corpus.py`; output is deterministic (seeded), and
every person in it is invented (GDPR).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENDOR_DIR = HERE.parents[2] / "arena" / "data" / "samples" / "vendors"

FIRST_NAMES = ["Camille", "Dominique", "Jean-Pierre", "Anaïs", "Hélène", "Jérôme", "Zoé", "Loïc",
               "Maëlle", "Benoît", "Françoise", "Gaël", "Inès", "Noël", "Chloé", "Théo"]
LAST_NAMES = ["Martin", "Lefèvre", "Dupré", "Bélanger", "Gaëtan", "Moreau", "Rivière", "Lemaître",
              "Cœur", "Faÿ", "Brûlé", "Perrin", "Garnier", "Chevalier", "Fournier", "Mercier"]
CITIES = [("75011", "Paris"), ("69003", "Lyon"), ("13008", "Marseille"), ("03000", "Moulins"),
          ("42000", "Saint-Étienne"), ("59000", "Lille"), ("33000", "Bordeaux")]
STREETS = ["rue de l’Église", "avenue des Œillets", "bd Hélène Boucher", "allée Émile Zola",
           "chemin de la Forêt"]
TARIFFS = ["Plein tarif", "Tarif réduit", "Abonné", "Comité d’entreprise", "Étudiant"]
CATEGORIES = ["Catégorie 1", "Catégorie 2", "Carré or", "Pelouse"]


def person(rng: random.Random, index: int) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    postal_code, city = rng.choice(CITIES)
    ascii_first = first.lower().replace("ï", "i").replace("é", "e").replace("ë", "e")
    return {
        "first": first, "last": last, "postal_code": postal_code, "city": city,
        "email": f"{ascii_first.encode('ascii', 'ignore').decode()}.{index}@example.org",
        "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
        "birth": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2005)}",
        "phone": f"3,36{rng.randint(0, 9)}E+10",
        "mobile": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                  f"{rng.randint(10, 99)}",
    }


def table_bytes(rows: list[list[str]], delimiter: str, encoding: str, newline: str = "\r\n") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding)


def theatre_rows(rng: random.Random, count: int, euro: bool) -> list[list[str]]:
    rows = []
    for index in range(count):
        someone = person(rng, index)
        price = rng.choice([12, 18, 25.5, 48, 65])
        shown = f"{price:.2f}".replace(".", ",") + (" €" if euro else "")
        rows.append([f"TK{100000 + index}", "Les Misérables à l’Opéra", "14/03/2015 20:30",
                     rng.choice(CATEGORIES), rng.choice(TARIFFS), shown, someone["last"],
                     someone["first"], someone["email"], someone["postal_code"], someone["city"]])
    return rows


THEATRE_HEADER = ["N° billet", "Spectacle", "Date représentation", "Catégorie", "Tarif", "Prix",
                  "Nom", "Prénom", "Courriel", "Code postal", "Ville"]


def corpus() -> dict[str, bytes]:
    rng = random.Random(2015)
    files: dict[str, bytes] = {}

    title = [["Rapport des ventes – Théâtre du Châtelet"], ["Édité le 27/05/2015 à 10:00"], []]
    rows = theatre_rows(rng, 40, euro=True)
    footer = [["Total", "", "", "", "", "1 234,00 €"]]
    files["cp1252_semicolon_title_footer.csv"] = (
        table_bytes(title + [THEATRE_HEADER] + rows + [[]] + footer, ";", "cp1252")
    )

    english = [["Ticket number", "Event", "Event date", "Price", "Currency", "Email", "Last name",
                "First name", "City"]]
    for index in range(30):
        someone = person(rng, index)
        english.append([f"EB-{5000 + index}", "Cup final, \"Les Bleus\" vs Zürich", "2015-06-01",
                        f"{rng.randint(10, 90)}.00", "EUR", someone["email"], someone["last"],
                        someone["first"], someone["city"]])
    files["utf8_bom_comma.csv"] = b"\xef\xbb\xbf" + table_bytes(english, ",", "utf-8")

    files["utf16_tab_excel.txt"] = b"\xff\xfe" + table_bytes(
        [THEATRE_HEADER] + theatre_rows(rng, 25, euro=True), "\t", "utf-16-le"
    )
    latin_rows = [[cell.replace("’", "'").replace("€", "EUR").replace("œ", "oe")
                   .replace("Œ", "Oe").replace("Ÿ", "Y") for cell in row]
                  for row in [THEATRE_HEADER] + theatre_rows(rng, 25, euro=False)]
    files["latin1_semicolon.csv"] = table_bytes(latin_rows, ";", "latin-1", newline="\n")
    files["pipe_delimited.csv"] = table_bytes(
        [THEATRE_HEADER] + theatre_rows(rng, 25, euro=False), "|", "utf-8", newline="\n"
    )

    multiline = [["Order #", "Event", "Comment", "Price"]]
    for index in range(20):
        comment = "Fauteuil roulant\nAccès \"PMR\" côté jardin" if index % 3 == 0 else "RAS"
        multiline.append([f"CMD{index:04d}", "Gala d’été", comment, f"{20 + index}.50"])
    files["multiline_quoted.csv"] = table_bytes(multiline, ",", "utf-8")

    trailing = [THEATRE_HEADER + ["", "", ""]]
    trailing += [row + ["", "", ""] for row in theatre_rows(rng, 20, euro=False)]
    files["trailing_empty_columns.csv"] = table_bytes(trailing, ";", "utf-8")

    split = [["Spectacle", "Date", "Heure", "Tribune", "Rang", "Place", "Tarif", "Prix", "Email"]]
    for index in range(25):
        split.append(["Le Cid", "08/03/2015", "20:30", rng.choice(["Nord", "Sud"]),
                      rng.choice("ABCDEF"), str(rng.randint(1, 40)), rng.choice(TARIFFS),
                      f"{rng.randint(10, 60)},00", person(rng, index)["email"]])
    files["date_time_split.csv"] = table_bytes(split, ";", "utf-8")

    files["njuko_like.csv"] = table_bytes(njuko_rows(rng, 30), ";", "cp1252")
    files["eventbrite_like.csv"] = table_bytes(eventbrite_rows(rng, 30), ",", "utf-8")
    files["pretix_like.csv"] = table_bytes(pretix_rows(rng, 30), ",", "utf-8")

    files["empty.csv"] = b""
    files["blank_lines_only.csv"] = b"\r\n\r\n   \r\n"
    files["workbook.xlsx"] = b"PK\x03\x04" + bytes(rng.randrange(256) for _ in range(600))
    files["binary.bin"] = bytes(rng.randrange(256) for _ in range(2000))
    files["headerless.csv"] = table_bytes(njuko_rows(rng, 12)[1:], ";", "utf-8")
    return files


def njuko_rows(rng: random.Random, count: int) -> list[list[str]]:
    rows = [["Epreuve", "Date", "Order ID", "Paiement", "Adresse email", "Nom", "Prénom",
             "Adresse", "Code postal", "Ville", "Pays", "Date de naissance", "Téléphone mobile"]]
    for index in range(count):
        someone = person(rng, index)
        rows.append(["Semi-Marathon de Moulins", f"01/10/2014 {index // 6:02d}:{index % 60:02d}",
                     str(668539 + 3 * index), "50.00", someone["email"], someone["last"].upper(),
                     someone["first"], someone["address"], someone["postal_code"].lstrip("0"),
                     someone["city"], "France", someone["birth"], someone["phone"]])
    return rows


def eventbrite_rows(rng: random.Random, count: int) -> list[list[str]]:
    rows = [["Order #", "Order Date", "First Name", "Last Name", "Email", "Quantity", "Price Tier",
             "Ticket Type", "Attendee #", "Group", "Order Type", "Currency", "Total Paid",
             "Fees Paid", "Eventbrite Fees", "Eventbrite Payment Processing", "Attendee Status"]]
    for index in range(count):
        someone = person(rng, index)
        rows.append([str(1689365701 + index), f"2015-04-{1 + index % 28:02d} 10:{index:02d}",
                     someone["first"], someone["last"], someone["email"], "1",
                     rng.choice(["Early bird", "Standard"]), rng.choice(["General Admission", "VIP"]),
                     str(2360209833 + index), "", "Eventbrite Completed", "EUR",
                     f"{rng.randint(15, 80)}.00", "1.99", "1.20", "0.79", "Attending"])
    return rows


def pretix_rows(rng: random.Random, count: int) -> list[list[str]]:
    rows = [["Event slug", "Order code", "Position ID", "Status", "Email", "Phone number",
             "Order date", "Order time", "Product", "Variation", "Price", "Tax rate", "Tax rule",
             "Tax value", "Attendee name", "Attendee email", "Company", "Address", "ZIP code",
             "City", "Country", "State", "Voucher", "Pseudonymization ID", "Seat ID", "Seat name",
             "Seat zone", "Seat row", "Seat number", "Order comment", "Follow-up date", "Company",
             "Invoice address name", "Address", "ZIP code", "City", "Country", "State", "VAT ID",
             "Sales channel", "Order locale", "E-mail address verified", "Payment providers"]]
    for index in range(count):
        someone = person(rng, index)
        code = f"{rng.choice('ABCDEFGH')}{rng.randint(1000, 9999)}"
        rows.append(["jazzfest2015", code, "1", "Paid", someone["email"], "+33612345678",
                     f"2015-05-{1 + index % 28:02d}", f"14:{index:02d}:00",
                     rng.choice(["Day pass", "Weekend pass"]), rng.choice(["", "Balcony"]),
                     f"{rng.randint(20, 90)}.00", "20.00", "VAT", "5.00",
                     f"{someone['first']} {someone['last']}", "", "", someone["address"],
                     someone["postal_code"], someone["city"], "FR", "", "",
                     f"X{rng.randint(10**8, 10**9)}", "", "", "", "", "", "", "", "",
                     f"{someone['first']} {someone['last']}", someone["address"],
                     someone["postal_code"], someone["city"], "FR", "", "", "web", "fr", "Yes",
                     "Stripe"])
    return rows


def vendor_samples() -> dict[str, bytes]:
    """Five synthetic rows per vendor layout, in the layout's assumed or verified shape."""
    from arena.ingest.vendors import VENDORS

    rng = random.Random(7)
    samples: dict[str, bytes] = {
        "njuko.csv": table_bytes(njuko_rows(rng, 5), ";", "cp1252"),
        "eventbrite.csv": table_bytes(eventbrite_rows(rng, 5), ",", "utf-8"),
        "pretix.csv": table_bytes(pretix_rows(rng, 5), ",", "utf-8"),
    }
    values = {
        "ticket_id": lambda i: f"{21090195 + i}-{164648028 + i}",
        "order_id": lambda i: str(90000 + i), "event_name": lambda i: "Concert d’été",
        "event_date": lambda i: "11/09/2015 20:00", "purchase_date": lambda i: "02/06/2015 13:53",
        "price": lambda i: "48,00", "tariff": lambda i: "Plein tarif",
        "category": lambda i: "Cat. 3", "channel": lambda i: "Internet",
        "customer_email": lambda i: f"client{i}@example.org",
        "customer_last_name": lambda i: rng.choice(LAST_NAMES),
        "customer_first_name": lambda i: rng.choice(FIRST_NAMES),
        "customer_postal_code": lambda i: "75011", "customer_city": lambda i: "Paris",
        "customer_country": lambda i: "France", "customer_birth_date": lambda i: "14/03/1989",
        "customer_gender": lambda i: "F", "currency": lambda i: "EUR", "seat": lambda i: "B",
        "venue": lambda i: "Salle Pleyel",
    }
    for vendor in VENDORS:
        name = f"{vendor.name}.csv"
        if name in samples:
            continue
        headers = list(dict.fromkeys([*vendor.signature, *vendor.fields]))
        rows = [headers]
        for index in range(5):
            row = []
            for header in headers:
                field = vendor.fields.get(header)
                if header in ("Heure représentation", "Heure séance"):
                    row.append("20:30")
                elif field in values:
                    row.append(values[field](index))
                else:
                    row.append(rng.choice(["Validé", "1", "OK"]))
            rows.append(row)
        delimiter = "," if vendor.name == "shotgun" else ";"
        samples[name] = table_bytes(rows, delimiter, "utf-8")
    return samples


def main() -> None:
    for name, content in corpus().items():
        (HERE / name).write_bytes(content)
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    for name, content in vendor_samples().items():
        (VENDOR_DIR / name).write_bytes(content)


if __name__ == "__main__":
    main()
