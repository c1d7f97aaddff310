"""The call sheet as an Excel workbook, with every text cell safe from formula injection.

Names, cities and reasons come from ticketing files Arena does not control. In a workbook a text
that begins with ``=``, ``+``, ``-`` or ``@`` (OWASP's CSV-injection triggers, plus a tab, a
carriage return and their full-width forms) would become a formula if it were written as one —
openpyxl does exactly that with any string starting with ``=``. Here every text is written as a
text cell and, when it looks like a formula, with Excel's "quote prefix" (what Excel stores when a
user types a leading apostrophe): the sheet shows the text as typed and Excel keeps it as text
even when the cell is edited. It is the same rule, on the same triggers, as the project's CSV
writer, which prefixes an apostrophe because a CSV file cannot carry a cell style.

The "outcome" column offers a drop-down of the outcome words the outcome-file reader understands.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

# The triggers of the project's CSV writer (arena/csv_export.py): OWASP's list and the
# full-width forms some spreadsheet locales also read as the start of a formula.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_LEADING_BLANKS = " \n\x0b\x0c\u00a0"

OUTCOME_CHOICES = {
    "fr": ("Pas de réponse", "Rappeler", "Joint", "Intéressé", "Refus", "Converti",
           "Faux numéro", "Ne plus appeler"),
    "en": ("No answer", "Call back", "Reached", "Interested", "Refused", "Converted",
           "Wrong number", "Do not call"),
}


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read this text as a formula."""
    stripped = text.lstrip(_LEADING_BLANKS)
    return bool(stripped) and stripped[0] in FORMULA_TRIGGERS


def write_call_sheet_xlsx(frame: pd.DataFrame, target: Path | io.BytesIO, *,
                          title: str = "Appels", outcome_column: str | None = None,
                          outcome_choices: Sequence[str] = OUTCOME_CHOICES["fr"]) -> None:
    """Write ``frame`` (from `call_sheet_frame`) as one sheet: bold frozen header, text cells
    neutralized, numbers as numbers, a drop-down on ``outcome_column`` when given."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    columns = [str(c) for c in frame.columns]
    for position, header in enumerate(columns, start=1):
        _write(sheet.cell(row=1, column=position), header)
        sheet.cell(row=1, column=position).font = Font(bold=True)
    for row_number, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        for position, value in enumerate(row, start=1):
            _write(sheet.cell(row=row_number, column=position), value)
    sheet.freeze_panes = "A2"
    for position, header in enumerate(columns, start=1):
        width = max([len(header), *(len(str(v)) for v in frame.iloc[:200, position - 1])])
        sheet.column_dimensions[get_column_letter(position)].width = min(max(width + 2, 8), 60)
    if outcome_column is not None and outcome_column in columns and len(frame):
        letter = get_column_letter(columns.index(outcome_column) + 1)
        choices = ",".join(choice.replace(",", " ") for choice in outcome_choices)
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{len(frame) + 1}")
    workbook.save(target)


def call_sheet_xlsx_bytes(frame: pd.DataFrame, **options: object) -> bytes:
    """The workbook as bytes, for a download button."""
    buffer = io.BytesIO()
    write_call_sheet_xlsx(frame, buffer, **options)  # type: ignore[arg-type]
    return buffer.getvalue()


def _write(cell: object, value: object) -> None:
    if value is None or value is pd.NA or value is pd.NaT:
        return
    if isinstance(value, bool):
        cell.value = value  # type: ignore[attr-defined]
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value == value:  # not NaN
            cell.value = value  # type: ignore[attr-defined]
        return
    if isinstance(value, pd.Timestamp):
        cell.value = value.to_pydatetime()  # type: ignore[attr-defined]
        return
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        _write(cell, value.item())  # type: ignore[union-attr]
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.value = text  # type: ignore[attr-defined]
    # openpyxl turns any string starting with "=" into a formula; a text cell is never one.
    cell.data_type = "s"  # type: ignore[attr-defined]
    if is_formula_like(text):
        cell.quotePrefix = True  # type: ignore[attr-defined]
