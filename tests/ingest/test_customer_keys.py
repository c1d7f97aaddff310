"""A buyer's key: the e-mail when there is one, else a hash of who they are, else nobody."""

from __future__ import annotations

import pandas as pd

from arena.ingest.normalize import customer_keys


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, index=[10 + i for i in range(len(rows))])
    for column in ("email", "last_name", "first_name", "postal_code"):
        frame[column] = frame[column].astype(pd.StringDtype("pyarrow"))
    frame["birth_date"] = pd.to_datetime(frame["birth_date"])
    return frame


def test_each_buyer_gets_the_email_or_a_hash_of_their_identity_or_nothing() -> None:
    rows = [
        {"email": "ana@example.org", "last_name": "Roux", "first_name": "Ana",
         "birth_date": None, "postal_code": None},
        {"email": None, "last_name": "LEFÈVRE", "first_name": "Anaïs",
         "birth_date": "1990-02-03", "postal_code": "44000"},
        {"email": None, "last_name": "Lefevre", "first_name": "anais",
         "birth_date": "1990-02-03", "postal_code": "44000"},
        {"email": None, "last_name": "Lefèvre", "first_name": "Anaïs",
         "birth_date": "1990-02-03", "postal_code": "69001"},
        {"email": None, "last_name": None, "first_name": "Zoé",
         "birth_date": "1990-02-03", "postal_code": "44000"},
        {"email": None, "last_name": "Martin", "first_name": "Jean",
         "birth_date": None, "postal_code": None},
    ]
    keys = customer_keys(_frame(rows))

    assert list(keys.index) == [10, 11, 12, 13, 14, 15]
    assert keys[10] == "ana@example.org"
    assert keys[11].startswith("h:") and keys[11] == keys[12]  # accents and case folded
    assert keys[13].startswith("h:") and keys[13] != keys[11]  # another postal code
    assert pd.isna(keys[14]) and pd.isna(keys[15])  # no last name; nothing beyond the name


def test_a_chunk_where_everyone_has_an_email_is_keyed_by_email_alone() -> None:
    rows = [{"email": f"b{i}@example.org", "last_name": None, "first_name": None,
             "birth_date": None, "postal_code": None} for i in range(3)]
    assert customer_keys(_frame(rows)).tolist() == [f"b{i}@example.org" for i in range(3)]
