"""Rows of a file keyed by an email or a phone, matched to the customers they speak about."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from arena.crm.prospection.channels import (
    CUSTOMER_ID,
    normalize_email_address,
    phone_to_e164,
)
from arena.crm.prospection.problems import PROBLEM_COLUMNS


@dataclass(frozen=True)
class MatchedRows:
    rows: pd.DataFrame  # the input rows that found their customer, with a customer_id column
    problems: pd.DataFrame  # line, column, value, code ("unknown_customer")


def match_customers(
    rows: pd.DataFrame,
    directory: pd.DataFrame,
    *,
    address_column: str = "address",
    kind: str = "email",
    default_region: str = "FR",
) -> MatchedRows:
    """Attach ``customer_id`` to rows carrying an address (``kind`` "email" or "phone").

    ``directory``: customer_id with an ``email`` or ``phone`` column — the campaign's members
    for outcomes (each address once on a list), every customer for consent. A phone shared by
    several customers matches all of them: a STOP from a household number stops the household.
    ``rows`` must carry a ``line`` column so that unmatched rows are reported where they are.
    """
    if kind not in {"email", "phone"}:
        raise ValueError("kind is 'email' or 'phone'")
    normalize = normalize_email_address if kind == "email" else (
        lambda value: phone_to_e164(value, default_region))
    keys = directory[[CUSTOMER_ID]].copy()
    keys["_key"] = [normalize(v) for v in directory.get(kind, pd.Series(index=directory.index,
                                                                        dtype=object)).tolist()]
    keys = keys.dropna(subset=["_key"]).drop_duplicates()
    work = rows.drop(columns=[CUSTOMER_ID], errors="ignore").copy()
    work["_key"] = [normalize(v) for v in work[address_column].tolist()]
    matched = work.merge(keys, on="_key", how="left", sort=False)
    found = matched[CUSTOMER_ID].notna()
    unknown = matched[~found]
    problems = pd.DataFrame({
        "line": unknown["line"].to_numpy() if "line" in unknown else pd.NA,
        "column": address_column,
        "value": unknown[address_column].astype(str).to_numpy(),
        "code": "unknown_customer",
    }, columns=list(PROBLEM_COLUMNS))
    rows_found = matched[found].drop(columns=["_key"]).reset_index(drop=True)
    # The left join made the ids float when some rows were unknown; give them back their type.
    rows_found[CUSTOMER_ID] = rows_found[CUSTOMER_ID].astype(directory[CUSTOMER_ID].dtype)
    return MatchedRows(rows_found, problems.reset_index(drop=True))
