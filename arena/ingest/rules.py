"""The stable reason codes of row validation and the sentence shown to the user for each."""

from __future__ import annotations

# A rejected row is not loaded; the user downloads it with this reason. Order is priority:
# a row breaking several rules is reported under the first one that applies.
REJECTIONS: dict[str, str] = {
    "extra_cells": (
        "The record has {cells} cells for {columns} columns (extra: {value}); "
        "an unquoted separator inside a value?"
    ),
    "missing_ticket_id": (
        "The ticket number is missing (the file has a ticket-number column, so each ticket is "
        "identified by it)."
    ),
    "missing_identifier": "The row has neither a ticket number nor an order number.",
    "missing_order_line": (
        "The line number within the order is missing (the file identifies tickets by their "
        "order and line numbers)."
    ),
    "ticket_id_scientific_notation": (
        "Ticket number {value} was turned into scientific notation by Excel; its digits are lost."
    ),
    "missing_price": "The price is missing.",
    "invalid_price": "Price {value} is not a number.",
    "negative_price": "Price {value} is negative (a refund line); refunds are not loaded.",
    "price_too_large": (
        "Price {value} is 10 billion or more: no ticket costs that, and it cannot be stored."
    ),
    "invalid_currency": (
        "Currency {value} is not a currency (an ISO code such as EUR, a sign such as €, or a "
        "name such as euros); the price's meaning is unknown."
    ),
    "missing_event_date": "The event date is missing.",
    "invalid_event_date": "Event date {value} is not a real date.",
    "missing_event_name": "The event name is missing.",
    "invalid_purchase_date": "Purchase date {value} is not a real date.",
    "duplicate_row": "Ticket {value} repeats an earlier row exactly.",
    "conflicting_ticket_id": (
        "Ticket {value} was already imported from an earlier row with different content; "
        "the first one is kept."
    ),
}

# A warning keeps the row; the field is repaired or set to null.
WARNINGS: dict[str, str] = {
    "invalid_email": "Email {value} is not a valid email address; it was left empty.",
    "phone_scientific_notation": (
        "Phone {value} was turned into scientific notation by Excel; its digits are lost "
        "and it was left empty."
    ),
    "invalid_phone": "Phone {value} is not a valid phone number; it was left empty.",
    "phone_leading_zero_restored": (
        "Phone {value} had lost its leading zero (Excel); it was restored as {repaired}."
    ),
    "impossible_birth_date": (
        "Birth date {value} is in the future or more than 110 years ago; it was left empty."
    ),
    "invalid_birth_date": "Birth date {value} is not a real date; it was left empty.",
    "postal_code_padded": (
        "Postal code {value} had lost its leading zero (Excel); it was padded to {repaired}."
    ),
    "invalid_postal_code": "Postal code {value} is not a French postal code; it was left empty.",
    "excel_serial_date": "Date {value} was an Excel serial number; it was read as {repaired}.",
    "unknown_country": "Country {value} is not a known country; it was left empty.",
    "unknown_gender": "Gender {value} is not a recognized civility; it was left empty.",
}


def describe(code: str, value: str | None, **details: object) -> str:
    """The one-sentence message for `code`, naming the offending value."""
    template = REJECTIONS.get(code) or WARNINGS[code]
    shown = repr(value) if value is not None else "(empty)"
    return template.format(value=shown, **details)
