"""Rows of an imported file that were not loaded, each with the line, the column and a reason code."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

PROBLEM_COLUMNS = ("line", "column", "value", "code")


@dataclass(frozen=True)
class RowProblem:
    """One quarantined row: where it is in the file, what was wrong (a code the UI words)."""

    line: int
    column: str
    value: str
    code: str


def problems_frame(problems: list[RowProblem]) -> pd.DataFrame:
    """The quarantined rows as a frame with ``PROBLEM_COLUMNS``, sorted by line."""
    frame = pd.DataFrame([(p.line, p.column, p.value, p.code) for p in problems],
                         columns=list(PROBLEM_COLUMNS))
    return frame.sort_values("line", kind="stable").reset_index(drop=True)


def file_lines(frame: pd.DataFrame, first_line: int) -> list[int]:
    """The file line of each row of ``frame`` (the header is line ``first_line - 1``)."""
    return list(range(first_line, first_line + len(frame)))


def cell_text(value: object) -> str:
    """A cell as text for a problem report (missing cells are empty text)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    return str(value)
