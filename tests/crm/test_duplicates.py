"""Candidate duplicate customers: the kinds real files produce, scored, never all pairs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from arena.crm.duplicates import (
    MAX_BLOCK_SIZE,
    find_candidate_duplicates,
    plan_merge,
)
from tests.support.planted_duplicates import plant_duplicates, precision_recall


def table(rows: list[dict]) -> pd.DataFrame:
    columns = ["email", "first_name", "last_name", "birth_date", "postal_code", "phone"]
    frame = pd.DataFrame(rows, columns=["id", *columns]).set_index("id")
    return frame


JULIE = {"id": 1, "email": "julie.moreau@gmail.com", "first_name": "Julie",
         "last_name": "Moreau", "birth_date": date(1984, 3, 2), "postal_code": "69003",
         "phone": "+33 6 12 34 56 78"}


def pair_kinds(rows: list[dict]) -> list[tuple[int, int, str]]:
    found = find_candidate_duplicates(table(rows))
    return list(zip(found["left_id"], found["right_id"], found["kind"], strict=True))


def test_a_misspelt_email_domain_is_the_same_person() -> None:
    found = find_candidate_duplicates(table([
        JULIE, {**JULIE, "id": 2, "email": "julie.moreau@gmial.com", "birth_date": None,
                "phone": None}]))
    assert found[["left_id", "right_id", "kind"]].values.tolist() == [[1, 2, "email_typo"]]
    assert "email_domain_typo" in found["evidence"].iloc[0]
    assert 0 < found["score"].iloc[0] < 1


def test_a_swapped_pair_of_letters_in_the_email_is_one_typo() -> None:
    assert pair_kinds([JULIE, {**JULIE, "id": 2, "email": "julie.moraeu@gmail.com",
                               "phone": None}]) == [(1, 2, "email_typo")]


def test_two_namesakes_whose_emails_differ_by_a_number_are_not_a_typo() -> None:
    assert pair_kinds([
        {**JULIE, "email": "julie.moreau2@gmail.com", "birth_date": None, "phone": None},
        {**JULIE, "id": 2, "email": "julie.moreau3@gmail.com", "birth_date": None,
         "phone": None, "postal_code": "75011"}]) == []


def test_the_same_person_under_two_emails_is_found_by_name_and_birth_date() -> None:
    assert pair_kinds([JULIE, {**JULIE, "id": 2, "email": "jmoreau@orange.fr", "phone": None}]) \
        == [(1, 2, "same_person_two_emails")]


def test_someone_who_moved_is_found_by_name_and_birth_date() -> None:
    assert pair_kinds([JULIE, {**JULIE, "id": 2, "email": "jm84@free.fr", "postal_code": "33000",
                               "phone": "0700000000"}]) == [
        (1, 2, "same_name_birth_two_postal_codes")]


def test_the_same_phone_in_two_formats_is_the_same_number() -> None:
    assert pair_kinds([JULIE, {**JULIE, "id": 2, "email": "jm@free.fr", "birth_date": None,
                               "phone": "06 12 34 56 78"}]) == [(1, 2, "same_phone")]


def test_a_household_sharing_phone_and_address_is_not_one_person() -> None:
    assert pair_kinds([JULIE, {**JULIE, "id": 2, "email": "paul.moreau@gmail.com",
                               "first_name": "Paul", "birth_date": date(1981, 7, 9)}]) == []


def test_namesakes_born_on_different_days_are_not_one_person() -> None:
    assert pair_kinds([JULIE, {**JULIE, "id": 2, "email": "jmoreau@orange.fr",
                               "birth_date": date(1990, 1, 5), "phone": None}]) == []


def test_a_block_too_large_to_mean_anything_is_not_exploded_into_pairs() -> None:
    crowd = [{"id": i, "email": f"{i * 2654435761 % 2**32:08x}@example.org", "first_name": "Jean",
              "last_name": "Martin", "birth_date": None, "postal_code": "75011",
              "phone": "0100000000"} for i in range(MAX_BLOCK_SIZE + 1)]
    assert find_candidate_duplicates(table(crowd)).empty


def test_a_phone_shared_by_a_crowd_is_no_evidence() -> None:
    crowd = [{"id": i, "email": f"{i * 2654435761 % 2**32:08x}@example.org",
              "first_name": f"Name{i}", "last_name": f"Family{i}", "birth_date": None,
              "postal_code": None, "phone": "0100000000"} for i in range(MAX_BLOCK_SIZE + 1)]
    crowd += [{**JULIE, "id": 100, "phone": "0100000000"},
              {**JULIE, "id": 101, "email": "jmoreau@orange.fr", "birth_date": None,
               "postal_code": None, "phone": "0100000000"}]
    assert find_candidate_duplicates(table(crowd)).empty


def test_a_table_without_the_needed_columns_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="phone"):
        find_candidate_duplicates(table([JULIE]).drop(columns=["phone"]))


@pytest.fixture(scope="module")
def planted():
    # Seed 2024 was never used while choosing the weights (they were set on seed 7).
    customers = plant_duplicates(15_000, seed=2024)
    return customers, precision_recall(find_candidate_duplicates(customers.customers),
                                       customers.truth)


@pytest.mark.parametrize(("kind", "min_recall", "min_precision"), [
    # Measured (docs/crm.md, 200k customers): recall 85.8 / 100 / 100 / 100 %, precision
    # 100 / 99.2 / 92.0 / 100 %. The misses of the first kind have only name + postal code in
    # common (no birth date, another phone): listing those would list namesakes too.
    ("same_person_two_emails", 0.80, 0.97),
    ("email_typo", 0.97, 0.97),
    ("same_name_birth_two_postal_codes", 0.97, 0.85),
    ("same_phone", 0.97, 0.97),
    ("all", 0.93, 0.96),
])
def test_planted_duplicates_are_found_with_measured_precision_and_recall(
    planted, kind: str, min_recall: float, min_precision: float,
) -> None:
    _, measured = planted
    assert measured.loc[kind, "recall"] >= min_recall
    assert measured.loc[kind, "precision"] >= min_precision


def test_a_merge_plan_keeps_the_survivor_fills_its_gaps_and_lists_conflicts() -> None:
    customers = table([
        {**JULIE, "phone": None},
        {**JULIE, "id": 2, "email": "julie.moreau@gmial.com", "birth_date": None},
        {**JULIE, "id": 3, "email": "jm@free.fr", "phone": "0611111111"},
    ])
    plan = plan_merge(customers, 1, [2, 3])
    assert plan.field_values["email"] == "julie.moreau@gmail.com"
    assert plan.field_values["phone"] == "+33 6 12 34 56 78"
    assert plan.filled_from == {"phone": 2}
    assert set(plan.conflicts) == {"email", "phone"}
    assert plan.absorbed_ids == (2, 3)
    with pytest.raises(ValueError):
        plan_merge(customers, 1, [1])
