"""Customers with planted duplicates of each kind, and look-alikes that are NOT duplicates.

Base customers come from the demo's people generator (real French names in realistic
frequencies, so namesakes occur naturally); duplicates are copies of some of them with what real
files do to a person: a second email, a typo in the email, a move, a shared phone. Households
(same last name, phone and postal code, another first name and birth date) are planted as hard
negatives. ``truth`` lists every planted duplicate pair with its kind.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np
import pandas as pd

from arena.demo.people import AudienceProfile, draw_people

PROFILE = AudienceProfile(male_share=0.55, age_mean=40, age_sd=14, age_min=16, age_max=85,
                          local_radius_km=40, local_share=0.8, abroad_share=0.0)
DOMAIN_TYPOS = {"gmail.com": ["gmial.com", "gmail.co", "gmal.com", "gmail.cm"],
                "orange.fr": ["orage.fr", "ornage.fr", "orange.fe"],
                "hotmail.fr": ["hotmial.fr", "hotmail.rf", "homail.fr"],
                "yahoo.fr": ["yaho.fr", "yahooo.fr"], "free.fr": ["fre.fr", "free.ff"],
                "sfr.fr": ["sfr.fe"], "laposte.net": ["laposte.ne", "lapost.net"],
                "outlook.fr": ["outlok.fr", "outloo.fr"], "wanadoo.fr": ["wanado.fr", "wandoo.fr"]}
OTHER_DOMAINS = ["gmail.com", "orange.fr", "free.fr", "hotmail.fr", "yahoo.fr", "sfr.fr"]
# Shares of the base customers copied as each kind of duplicate, and of households planted.
PLANTED_SHARES = {"same_person_two_emails": 0.03, "email_typo": 0.03,
                  "same_name_birth_two_postal_codes": 0.02, "same_phone": 0.02}
HOUSEHOLD_SHARE = 0.03


@dataclass(frozen=True)
class PlantedCustomers:
    customers: pd.DataFrame  # indexed by customer id, CUSTOMER_FIELDS + city
    truth: pd.DataFrame  # left_id, right_id, kind: every planted duplicate pair


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 3:
        return text + "x"
    i = int(rng.integers(1, len(text) - 1))
    op = rng.integers(0, 4)
    letter = str(rng.choice(list(string.ascii_lowercase)))
    if op == 0:
        return text[:i] + letter + text[i + 1:] if letter != text[i] else text[:i] + text[i + 1:]
    if op == 1:
        return text[:i] + text[i + 1:]
    if op == 2:
        return text[:i] + letter + text[i:]
    return text[:i - 1] + text[i] + text[i - 1] + text[i + 1:] if text[i] != text[i - 1] \
        else text[:i] + text[i + 1:]


def _second_email(rng: np.random.Generator, first: str, last: str, old: str) -> str:
    slug_first = "".join(c for c in first.lower() if c.isalpha())
    slug_last = "".join(c for c in last.lower() if c.isalpha())
    pattern = rng.integers(0, 3)
    local = [f"{slug_first[:1]}.{slug_last}", f"{slug_last}{slug_first[:3]}",
             f"{slug_first}{rng.integers(10, 99)}"][pattern]
    domain = str(rng.choice([d for d in OTHER_DOMAINS if not old.endswith(d)]))
    return f"{local}@{domain}"


def plant_duplicates(base_count: int, seed: int = 7) -> PlantedCustomers:
    rng = np.random.default_rng(seed)
    people = draw_people(rng, base_count, venue_lat=45.76, venue_lon=4.84, profile=PROFILE,
                         reference_year=2025)
    base = people[["email", "first_name", "last_name", "birth_date", "postal_code", "city",
                   "phone"]].copy()
    base["birth_date"] = base["birth_date"].dt.date
    others = people.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    rows, truth = [], []
    next_id = base_count
    chosen = rng.permutation(base_count)
    start = 0
    for kind, share in PLANTED_SHARES.items():
        count = int(base_count * share)
        for original in chosen[start:start + count]:
            copy = base.iloc[original].to_dict()
            if kind == "same_person_two_emails":
                copy["email"] = _second_email(rng, copy["first_name"], copy["last_name"],
                                              copy["email"])
                if rng.random() < 0.2:
                    copy["birth_date"] = None
                if rng.random() < 0.7:
                    copy["phone"] = f"07{rng.integers(10_000_000, 99_999_999)}"
            elif kind == "email_typo":
                local, domain = copy["email"].split("@")
                if rng.random() < 0.3 and domain in DOMAIN_TYPOS:
                    copy["email"] = f"{local}@{rng.choice(DOMAIN_TYPOS[domain])}"
                else:
                    copy["email"] = f"{_typo(rng, local)}@{domain}"
                if rng.random() < 0.3:
                    copy["birth_date"] = None
                if rng.random() < 0.5:
                    copy["phone"] = None
            elif kind == "same_name_birth_two_postal_codes":
                elsewhere = others.iloc[int(rng.integers(0, len(others)))]
                copy["postal_code"], copy["city"] = elsewhere["postal_code"], elsewhere["city"]
                copy["email"] = _second_email(rng, copy["first_name"], copy["last_name"],
                                              copy["email"])
                if rng.random() < 0.7:
                    copy["phone"] = f"07{rng.integers(10_000_000, 99_999_999)}"
            else:  # same_phone
                copy["email"] = _second_email(rng, copy["first_name"], copy["last_name"],
                                              copy["email"])
                if rng.random() < 0.5:
                    copy["birth_date"] = None
                if rng.random() < 0.3:
                    copy["last_name"] = copy["last_name"].upper()
            if rng.random() < 0.3:
                copy["first_name"] = copy["first_name"].upper()
            rows.append({"customer_id": next_id, **copy})
            truth.append((int(original), next_id, kind))
            next_id += 1
        start += count
    # Households: another member of the family, same phone and address, not the same person.
    for original in chosen[start:start + int(base_count * HOUSEHOLD_SHARE)]:
        member = base.iloc[original].to_dict()
        stranger = others.iloc[int(rng.integers(0, len(others)))]
        if stranger["first_name"] == member["first_name"]:
            continue
        member.update(first_name=stranger["first_name"],
                      birth_date=stranger["birth_date"].date(),
                      email=_second_email(rng, stranger["first_name"], member["last_name"],
                                          member["email"]))
        rows.append({"customer_id": next_id, **member})
        next_id += 1
    planted = pd.DataFrame(rows).set_index("customer_id")
    customers = pd.concat([base.rename_axis("customer_id"), planted])
    # The natural key already merges equal emails: keep only what it would leave.
    customers = customers[~customers["email"].duplicated(keep="first")]
    truth_frame = pd.DataFrame(truth, columns=["left_id", "right_id", "kind"])
    truth_frame = truth_frame[truth_frame["right_id"].isin(customers.index)]
    return PlantedCustomers(customers=customers, truth=truth_frame.reset_index(drop=True))


def precision_recall(found: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Per kind: planted pairs, found among them (recall), pairs listed under that kind and the
    share of them that are true (precision); plus an "all" row."""
    true_pairs = set(zip(truth["left_id"], truth["right_id"], strict=True))
    found_pairs = list(zip(found["left_id"], found["right_id"], strict=True))
    hit = np.array([(a, b) in true_pairs or (b, a) in true_pairs for a, b in found_pairs],
                   dtype=bool)
    found_set = {frozenset(p) for p in found_pairs}
    truth_hit = np.array([frozenset((a, b)) in found_set for a, b in
                          zip(truth["left_id"], truth["right_id"], strict=True)], dtype=bool)
    rows = []
    for kind in [*PLANTED_SHARES, "all"]:
        in_truth = (truth["kind"] == kind).to_numpy() if kind != "all" else np.ones(len(truth),
                                                                                  bool)
        listed = (found["kind"] == kind).to_numpy() if kind != "all" else np.ones(len(found),
                                                                                  bool)
        rows.append({"kind": kind, "planted": int(in_truth.sum()),
                     "recall": truth_hit[in_truth].mean() if in_truth.any() else np.nan,
                     "listed": int(listed.sum()),
                     "precision": hit[listed].mean() if listed.any() else np.nan})
    return pd.DataFrame(rows).set_index("kind")
