"""Rejected rows as one flat table — the line, the reason, then the original record's cells —
for every place that shows or downloads them (the Import studio, the import history)."""

from __future__ import annotations

from typing import Any

import pandas as pd

REASON_COLUMNS = ["line", "column", "value", "code", "message"]


def rejected_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per rejected record: `REASON_COLUMNS`, then the record's cells by header."""
    flat = [
        {**{key: row.get(key) for key in REASON_COLUMNS}, **(row.get("record") or {})}
        for row in rows
    ]
    return pd.DataFrame(flat, columns=None if flat else REASON_COLUMNS)
