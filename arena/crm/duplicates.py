"""Candidate duplicate customers beyond the natural key, with a score and the evidence.

The import already merges customers with the same email (else name + birth date + postal code).
What is left are people who typed two emails, mistyped one, moved house, changed their last name,
or share a phone: those are *listed for review*, never merged automatically.

Pairs are only ever formed inside small blocks (same folded name and birth date, same name and
postal code, same first name + birth date + postal code, same phone, emails one typo apart), so
200,000 customers never become 20 billion pairs. Each pair is then scored by adding the evidence
for and against (log-odds style weights) and passing the sum through a logistic curve.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, Levenshtein

from arena.crm.folding import fold_series

CUSTOMER_FIELDS = ("email", "first_name", "last_name", "birth_date", "postal_code", "phone")
# Blocks larger than this say nothing about identity (a shared switchboard number, "Martin Jean"
# with no birth date …): they are skipped rather than exploded into pairs.
MAX_BLOCK_SIZE = 50
# Mail providers whose misspellings are common in French files; a domain one or two edits from
# one of these (and not itself frequent in the data) is read as that domain.
KNOWN_EMAIL_DOMAINS = (
    "gmail.com", "orange.fr", "wanadoo.fr", "hotmail.fr", "hotmail.com", "yahoo.fr", "yahoo.com",
    "free.fr", "sfr.fr", "laposte.net", "outlook.fr", "outlook.com", "live.fr", "icloud.com",
    "neuf.fr", "bbox.fr", "aol.com", "gmx.fr", "protonmail.com", "me.com",
)
RARE_DOMAIN_SHARE = 0.05
# Evidence weights (log-odds): what each agreement or conflict adds to the case for one person.
WEIGHTS = {
    "email_domain_typo": 4.0,  # same local part, the domain misspelt
    "email_local_typo": 3.0,  # one edit apart in the local part, same domain
    "same_name": 2.0,
    "similar_name": 1.0,
    # A married name or a typo in the last name, but also two people: weak, and slightly against.
    "same_first_name_other_last_name": -0.5,
    "same_birth_date": 3.0,
    "same_phone": 2.5,
    "same_postal_code": 1.0,
    "different_first_name": -3.0,  # a household sharing a phone, or two people with one email
    "different_birth_date": -4.0,
}
SCORE_OFFSET = 4.0  # total evidence at which the score is 0.5
DEFAULT_MIN_SCORE = 0.5

KINDS = ("email_typo", "same_phone", "same_name_birth_two_postal_codes", "same_person_two_emails")
PAIR_COLUMNS = ["left_id", "right_id", "kind", "score", "evidence"]


def find_candidate_duplicates(customers: pd.DataFrame, *,
                              min_score: float = DEFAULT_MIN_SCORE) -> pd.DataFrame:
    """Candidate pairs of customers that may be one person, best first.

    ``customers`` is indexed by customer id and has the columns ``CUSTOMER_FIELDS`` (missing
    values allowed). Returns ``left_id`` < ``right_id``, ``kind`` (one of ``KINDS``: the main
    reason), ``score`` in (0, 1) and ``evidence`` (the agreements and conflicts, ";"-separated).
    """
    missing = [c for c in CUSTOMER_FIELDS if c not in customers.columns]
    if missing:
        raise ValueError(f"find_candidate_duplicates needs the columns {', '.join(missing)}")
    keys = _comparison_keys(customers)
    pairs = _blocked_pairs(keys)
    if pairs.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    scored = _score_pairs(keys, pairs)
    scored = scored[scored["score"] >= min_score]
    ids = customers.index.to_numpy()
    result = pd.DataFrame({
        "left_id": ids[scored["left"].to_numpy()], "right_id": ids[scored["right"].to_numpy()],
        "kind": scored["kind"].to_numpy(), "score": scored["score"].round(4).to_numpy(),
        "evidence": scored["evidence"].to_numpy(),
    })
    return result.sort_values(["score", "left_id", "right_id"],
                              ascending=[False, True, True]).reset_index(drop=True)


def _comparison_keys(customers: pd.DataFrame) -> pd.DataFrame:
    """Folded, comparable forms of each customer's fields (positional index)."""
    frame = customers.reset_index(drop=True)
    email = frame["email"].astype("string").str.strip().str.lower()
    local = email.str.split("@", n=1).str[0]
    domain = email.str.split("@", n=1).str[1]
    phone_digits = frame["phone"].astype("string").str.replace(r"\D", "", regex=True)
    birth = pd.to_datetime(frame["birth_date"], errors="coerce", format="ISO8601")
    # The last nine digits: "+33 6 12 …" and "06 12 …" are one number.
    phone = phone_digits.where(phone_digits.str.len() >= 9).str[-9:]
    first = fold_series(frame["first_name"])
    last = fold_series(frame["last_name"])
    return pd.DataFrame({
        "local": local, "domain": _canonical_domains(domain), "raw_domain": domain,
        "first": first, "last": last, "name": (first + " " + last),
        "birth": birth.dt.strftime("%Y-%m-%d").astype("string"),
        "postal": frame["postal_code"].astype("string").str.replace(" ", "").str.upper(),
        # A switchboard or a placeholder number shared by a crowd says nothing about identity.
        "phone": phone, "phone_shared_widely": phone.map(phone.value_counts()) > MAX_BLOCK_SIZE,
    })


def _canonical_domains(domains: pd.Series) -> pd.Series:
    """Each email domain, read as the well-known provider it misspells (``gmial.com`` → gmail):
    one edit away (two for long names) and at most a twentieth as frequent in this file (or seen
    only once or twice): a domain many customers share is a real one."""
    counts = domains.value_counts()
    mapping: dict[str, str] = {}
    for domain, count in counts.items():
        if domain in KNOWN_EMAIL_DOMAINS:
            continue
        best = process.extractOne(domain, KNOWN_EMAIL_DOMAINS, scorer=Levenshtein.distance,
                                  score_cutoff=1 if len(str(domain)) < 9 else 2)
        rare = count <= max(RARE_DOMAIN_SHARE * counts.get(best[0], 0), 2) if best else False
        if best is not None and rare:
            mapping[str(domain)] = best[0]
    return domains.replace(mapping) if mapping else domains


def _pairs_within(values: pd.Series) -> pd.DataFrame:
    """Every pair of positions sharing a key value, in blocks of at most MAX_BLOCK_SIZE."""
    keyed = pd.DataFrame({"key": values, "row": np.arange(len(values))}).dropna()
    sizes = keyed.groupby("key")["row"].transform("size")
    keyed = keyed[(sizes > 1) & (sizes <= MAX_BLOCK_SIZE)]
    if keyed.empty:
        return pd.DataFrame({"left": [], "right": []}, dtype=int)
    joined = keyed.merge(keyed, on="key", suffixes=("_l", "_r"))
    joined = joined[joined["row_l"] < joined["row_r"]]
    return pd.DataFrame({"left": joined["row_l"].to_numpy(), "right": joined["row_r"].to_numpy()})


def _email_neighbours(keys: pd.DataFrame) -> pd.Series:
    """Keys shared by emails at most one typo apart: each local part with one character
    deleted (and whole), per canonical domain — two strings one edit apart share one."""
    has_email = (keys["local"].notna() & keys["domain"].notna()).to_numpy()
    # Arrow-backed strings slice and join in C, three times faster than a Python loop.
    local = keys["local"][has_email].astype("string[pyarrow]")
    suffix = "@" + keys["domain"][has_email].astype("string[pyarrow]")
    rows = np.flatnonzero(has_email)
    variants = [local + suffix]
    # One vectorized pass per character position (positions past the end repeat the whole).
    for position in range(int(local.str.len().max() or 0)):
        variants.append(local.str[:position] + local.str[position + 1:] + suffix)
    keyed = pd.DataFrame({"row": np.tile(rows, len(variants)),
                          "key": pd.concat(variants, ignore_index=True).to_numpy()})
    keyed = keyed.drop_duplicates()
    return pd.Series(keyed["key"].to_numpy(), index=keyed["row"].to_numpy(), dtype=object)


def _blocked_pairs(keys: pd.DataFrame) -> pd.DataFrame:
    blocks = [
        keys["name"] + "|" + keys["birth"],
        keys["name"] + "|" + keys["postal"],
        keys["first"] + "|" + keys["birth"] + "|" + keys["postal"],
        keys["phone"],
    ]
    pairs = [_pairs_within(block) for block in blocks]
    neighbours = _email_neighbours(keys)
    if not neighbours.empty:
        keyed = pd.DataFrame({"key": neighbours.to_numpy(), "row": neighbours.index})
        sizes = keyed.groupby("key")["row"].transform("size")
        keyed = keyed[(sizes > 1) & (sizes <= MAX_BLOCK_SIZE)]
        joined = keyed.merge(keyed, on="key", suffixes=("_l", "_r"))
        joined = joined[joined["row_l"] < joined["row_r"]]
        pairs.append(pd.DataFrame({"left": joined["row_l"].to_numpy(),
                                   "right": joined["row_r"].to_numpy()}))
    return pd.concat(pairs, ignore_index=True).drop_duplicates().reset_index(drop=True)


def _score_pairs(keys: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    left = keys.iloc[pairs["left"].to_numpy()].reset_index(drop=True)
    right = keys.iloc[pairs["right"].to_numpy()].reset_index(drop=True)

    def same(column: str) -> np.ndarray:
        return (left[column] == right[column]).fillna(False).to_numpy(dtype=bool)

    def both(column: str) -> np.ndarray:
        return (left[column].notna() & right[column].notna()).to_numpy()

    email_both = both("local") & both("domain")
    local_l = left["local"].fillna("").tolist()
    local_r = right["local"].fillna("").tolist()
    # Optimal string alignment: a swapped pair of letters ("veronqiue") is one typo, not two.
    local_distance = process.cpdist(local_l, local_r, scorer=OSA.distance)
    same_local, same_domain = same("local"), same("domain")
    # "lucas.martin2" and "lucas.martin3" are how a provider tells two Lucas Martin apart.
    digits = r"\d"
    letters_l = left["local"].str.replace(digits, "", regex=True)
    letters_r = right["local"].str.replace(digits, "", regex=True)
    only_digits_differ = (letters_l == letters_r).fillna(False).to_numpy(dtype=bool) & ~same_local
    raw_domain_differs = ~same("raw_domain")
    evidence = {
        "email_domain_typo": email_both & same_local & same_domain & raw_domain_differs,
        "email_local_typo": (email_both & same_domain & ~same_local & (local_distance <= 1)
                             & ~only_digits_differ),
        "same_name": same("name"),
        "similar_name": ~same("name") & both("name") & (process.cpdist(
            left["name"].fillna("").tolist(), right["name"].fillna("").tolist(),
            scorer=fuzz.token_sort_ratio) >= 88),
        "same_first_name_other_last_name": same("first") & ~same("last") & both("last"),
        "same_birth_date": same("birth"),
        "same_phone": same("phone") & ~left["phone_shared_widely"].fillna(False).to_numpy(bool),
        "same_postal_code": same("postal"),
        "different_first_name": both("first") & (process.cpdist(
            left["first"].fillna("").tolist(), right["first"].fillna("").tolist(),
            scorer=fuzz.ratio) < 75),
        "different_birth_date": both("birth") & ~same("birth"),
    }
    total = sum(WEIGHTS[name] * flags.astype(float) for name, flags in evidence.items())
    score = 1.0 / (1.0 + np.exp(-(np.asarray(total) - SCORE_OFFSET)))
    names = np.array(list(evidence))
    matrix = np.column_stack([evidence[name] for name in names])
    evidence_text = [";".join(names[row]) for row in matrix]
    kind = np.select(
        [evidence["email_domain_typo"] | evidence["email_local_typo"], evidence["same_phone"],
         evidence["same_name"] & evidence["same_birth_date"] & both("postal") & ~same("postal")],
        ["email_typo", "same_phone", "same_name_birth_two_postal_codes"],
        default="same_person_two_emails")
    return pd.DataFrame({"left": pairs["left"], "right": pairs["right"], "score": score,
                         "kind": kind, "evidence": evidence_text})


@dataclass(frozen=True)
class MergePlan:
    """What merging customers into one would change, for review and for the audit trail.

    The storage step applies it (moving tickets and orders to ``survivor_id``, keeping the
    absorbed rows' history) and can undo it from the same plan.
    """

    survivor_id: object
    absorbed_ids: tuple[object, ...]
    field_values: dict[str, object]  # the survivor's fields after the merge
    filled_from: dict[str, object] = field(default_factory=dict)  # field → absorbed id it came from
    conflicts: dict[str, tuple[object, ...]] = field(default_factory=dict)  # values that differ


def plan_merge(customers: pd.DataFrame, survivor_id: object,
               absorbed_ids: list[object]) -> MergePlan:
    """The survivor keeps its own values; a field it lacks takes the first absorbed customer's
    value (in the order given); every field where the customers disagree is listed."""
    if survivor_id in absorbed_ids:
        raise ValueError("a customer cannot absorb itself")
    rows = customers.loc[[survivor_id, *absorbed_ids]]
    values: dict[str, object] = {}
    filled: dict[str, object] = {}
    conflicts: dict[str, tuple[object, ...]] = {}
    for column in customers.columns:
        column_values = rows[column]
        present = column_values[column_values.notna() & (column_values.astype(str).str.strip()
                                                        != "")]
        if survivor_id in present.index:
            values[column] = present.loc[survivor_id]
        elif not present.empty:
            values[column] = present.iloc[0]
            filled[column] = present.index[0]
        else:
            values[column] = None
        distinct = tuple(dict.fromkeys(present.tolist()))
        if len(distinct) > 1:
            conflicts[column] = distinct
    return MergePlan(survivor_id=survivor_id, absorbed_ids=tuple(absorbed_ids),
                     field_values=values, filled_from=filled, conflicts=conflicts)


