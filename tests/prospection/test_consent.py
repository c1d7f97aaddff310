"""Consent per channel: values from ticketing exports, consent files, the decision in force."""

from __future__ import annotations

import pandas as pd
import pytest

from arena.crm.prospection.channels import Channel
from arena.crm.prospection.consent import (
    ColumnMeaning,
    ConsentCause,
    ConsentColumn,
    ConsentRecord,
    ConsentStatus,
    UnreadableConsent,
    consent_frame,
    consents_from_export,
    current_consents,
    latest_decisions,
    parse_consent_value,
    suggest_consent_columns,
)
from arena.crm.prospection.consent_files import read_consent_file

IN, OUT = ConsentStatus.OPT_IN, ConsentStatus.OPT_OUT


@pytest.mark.parametrize(("raw", "status"), [
    ("oui", IN), ("OUI", IN), ("Oui ", IN), ("o", IN), ("yes", IN), ("1", IN), ("1.0", IN),
    ("vrai", IN), ("TRUE", IN), ("x", IN), ("opt-in", IN), ("Opt in", IN), ("optin", IN),
    ("Accepte les communications", IN), ("J'accepte de recevoir les offres du club", IN),
    ("Je souhaite recevoir la newsletter", IN), ("Accepté", IN), (True, IN), (1, IN),
    ("non", OUT), ("NON", OUT), ("n", OUT), ("no", OUT), ("0", OUT), ("faux", OUT),
    ("opt-out", OUT), ("Désinscrit", OUT), ("désabonnée", OUT), ("Refuse", OUT),
    ("N'accepte pas les communications", OUT), ("Ne souhaite pas recevoir d'offres", OUT),
    ("Refuse les communications", OUT), ("STOP", OUT), (False, OUT), (0, OUT), (0.0, OUT),
])
def test_yes_and_no_are_read_in_french_and_english(raw: object, status: ConsentStatus) -> None:
    reading = parse_consent_value(raw)
    assert reading is not None and reading.status is status and reading.at is None


@pytest.mark.parametrize("raw", ["", "  ", None, float("nan"), "-", "?", "non renseigné",
                                 "Non communiqué", "inconnu", "N/A", "NC"])
def test_blank_and_unknown_values_say_nothing(raw: object) -> None:
    assert parse_consent_value(raw) is None


@pytest.mark.parametrize(("raw", "when"), [
    ("03/03/2025", "2025-03-03 00:00"), ("03/03/2025 14:05", "2025-03-03 14:05"),
    ("2025-03-03", "2025-03-03 00:00"), ("2025-03-03T13:05:00Z", "2025-03-03 14:05"),
])
def test_a_date_in_a_consent_column_is_a_yes_given_that_day(raw: str, when: str) -> None:
    reading = parse_consent_value(raw)
    assert reading is not None and reading.status is IN and reading.at == pd.Timestamp(when)


@pytest.mark.parametrize("raw", ["peut-être", "2", "blue", "31/02/2025", "01/02/03"])
def test_a_value_nobody_understands_is_reported_never_guessed(raw: str) -> None:
    with pytest.raises(UnreadableConsent):
        parse_consent_value(raw)


def test_consent_columns_are_found_by_their_headers_and_partners_are_left_out() -> None:
    headers = ["N° billet", "Email", "Téléphone", "Optin email", "Opt-in SMS",
               "Accepte les communications", "Offres partenaires (opt-in)",
               "Date désinscription email", "Consentement appels", "Date opt-in SMS"]
    found = {c.header: (c.channels, c.meaning) for c in suggest_consent_columns(headers)}
    assert found == {
        "Optin email": ((Channel.EMAIL,), ColumnMeaning.DECISION),
        "Opt-in SMS": ((Channel.SMS,), ColumnMeaning.DECISION),
        "Accepte les communications": ((Channel.EMAIL,), ColumnMeaning.DECISION),
        "Date désinscription email": ((Channel.EMAIL,), ColumnMeaning.OPT_OUT_DATE),
        "Consentement appels": ((Channel.PHONE,), ColumnMeaning.DECISION),
        "Date opt-in SMS": ((Channel.SMS,), ColumnMeaning.OPT_IN_DATE),
    }


def test_an_export_gives_one_record_per_customer_channel_and_answer() -> None:
    export = pd.DataFrame({
        "Date achat": ["01/09/2024 10:00", "15/01/2025 18:30", "02/09/2024 11:00",
                       "03/09/2024 09:00", "04/09/2024"],
        "Optin email": ["oui", "non", "Oui", "peut-être", ""],
        "Date désinscription SMS": ["", "", "12/12/2024", "", ""],
    })
    columns = [ConsentColumn("Optin email", (Channel.EMAIL,)),
               ConsentColumn("Date désinscription SMS", (Channel.SMS,), ColumnMeaning.OPT_OUT_DATE)]
    result = consents_from_export(export, columns, customer_ids=pd.Series([1, 1, 2, 3, None]),
                                  observed_at=pd.Timestamp("2025-02-01"), source="import:42",
                                  date_column="Date achat")
    records = result.records.sort_values(["customer_id", "channel", "recorded_at"])
    assert records[["customer_id", "channel", "status", "recorded_at"]].values.tolist() == [
        [1, "email", "opt_in", pd.Timestamp("2024-09-01 10:00")],
        [1, "email", "opt_out", pd.Timestamp("2025-01-15 18:30")],
        [2, "email", "opt_in", pd.Timestamp("2024-09-02 11:00")],
        [2, "sms", "opt_out", pd.Timestamp("2024-12-12")],
    ]
    assert set(records["source"]) == {"import:42"} and set(records["cause"]) == {"stated"}
    assert result.problems.values.tolist() == [[5, "Optin email", "peut-être", "unreadable_consent"]]
    # The later purchase's "non" is the decision in force for customer 1.
    assert latest_decisions(result.records, "email").loc[1, "status"] == "opt_out"


def test_the_same_answer_on_every_ticket_of_a_customer_is_one_record() -> None:
    export = pd.DataFrame({"Newsletter": ["oui"] * 5})
    result = consents_from_export(export, suggest_consent_columns(["Newsletter"]),
                                  customer_ids=pd.Series([7] * 5),
                                  observed_at=pd.Timestamp("2025-02-01"), source="import:1")
    assert len(result.records) == 1


DIRECTORY = pd.DataFrame({"customer_id": [1, 2, 3],
                          "email": ["anais@example.fr", "jp@example.fr", "lea@example.fr"],
                          "phone": ["+33612345678", "+33698765432", None]})


def test_a_long_consent_file_is_read_row_by_row_with_reasons_for_the_rest() -> None:
    file = pd.DataFrame({
        "email": ["ANAIS@example.fr ", "jp@example.fr", "jp@example.fr", "who@example.fr",
                  "lea@example.fr", "lea@example.fr", "lea@example.fr"],
        "canal": ["email", "sms", "tous", "email", "fax", "email", "sms"],
        "consentement": ["oui", "non", "non", "oui", "oui", "bof", "oui"],
        "date": ["01/02/2025", "02/02/2025 10:00", "03/02/2025", "01/02/2025", "01/02/2025",
                 "01/02/2025", "32/01/2025"],
        "origine": ["formulaire", "", "", "", "", "", ""],
    })
    result = read_consent_file(file, DIRECTORY, source="consent-file:rgpd.csv",
                               observed_at=pd.Timestamp("2025-03-01"))
    records = result.records
    assert records[["customer_id", "channel", "status"]].values.tolist() == [
        [1, "email", "opt_in"], [2, "sms", "opt_out"], [2, "email", "opt_out"],
        [2, "sms", "opt_out"], [2, "phone", "opt_out"]]
    assert records["source"].tolist()[:2] == ["formulaire", "consent-file:rgpd.csv"]
    assert result.problems[["line", "code"]].values.tolist() == [
        [5, "unknown_customer"], [6, "unknown_channel"], [7, "unreadable_consent"],
        [8, "invalid_date"]]
    # Every row is accounted for: 3 rows gave records, 4 are problems.
    assert len(result.problems) + 3 == len(file)


def test_a_wide_consent_file_has_one_column_per_channel() -> None:
    file = pd.DataFrame({"Adresse email": ["anais@example.fr", "jp@example.fr"],
                         "Optin email": ["1", "0"], "Optin SMS": ["0", "1"],
                         "Date": ["01/02/2025", "02/02/2025"]})
    result = read_consent_file(file, DIRECTORY, source="f", observed_at=pd.Timestamp("2025-03-01"))
    got = result.records.set_index(["customer_id", "channel"])["status"].to_dict()
    assert got == {(1, "email"): "opt_in", (1, "sms"): "opt_out", (2, "email"): "opt_out",
                   (2, "sms"): "opt_in"}
    assert result.records["recorded_at"].min() == pd.Timestamp("2025-02-01")


def test_the_latest_decision_wins_and_an_opt_out_wins_a_tie() -> None:
    day = pd.Timestamp("2025-03-01")
    records = consent_frame([
        ConsentRecord(1, "email", IN, day, "a"), ConsentRecord(1, "email", OUT, day, "b"),
        ConsentRecord(2, "email", OUT, day, "a"),
        ConsentRecord(2, "email", IN, day + pd.Timedelta(days=1), "b"),
        ConsentRecord(3, "email", IN, None, "old file"), ConsentRecord(3, "email", OUT, day, "b"),
        ConsentRecord(4, "email", OUT, None, "old file"), ConsentRecord(4, "email", IN, day, "b"),
    ])
    decided = latest_decisions(records, "email")["status"].to_dict()
    assert decided == {1: "opt_out", 2: "opt_in", 3: "opt_out", 4: "opt_in"}


def test_a_bounce_blocks_the_address_that_bounced_not_a_new_one() -> None:
    day = pd.Timestamp("2025-03-01")
    records = consent_frame([
        ConsentRecord(1, "email", IN, day, "form"),
        ConsentRecord(1, "email", OUT, day + pd.Timedelta(days=3), "outcome:brevo",
                      ConsentCause.BOUNCED, address="old@example.fr"),
    ])
    same = latest_decisions(records, "email", pd.Series({1: "old@example.fr"}))
    new = latest_decisions(records, "email", pd.Series({1: "new@example.fr"}))
    assert same.loc[1, "cause"] == "bounced" and new.loc[1, "status"] == "opt_in"


def test_the_360_view_lists_the_decision_in_force_per_channel() -> None:
    records = consent_frame([ConsentRecord(1, "email", IN, pd.Timestamp("2025-01-01"), "f"),
                             ConsentRecord(1, "sms", OUT, pd.Timestamp("2025-01-02"), "f")])
    view = current_consents(records)
    assert view[["customer_id", "channel", "status"]].values.tolist() == [
        [1, "email", "opt_in"], [1, "sms", "opt_out"]]
