"""Scoring of gender-from-first-name against INSEE births (shared by the tests and bench/crm)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from arena.crm.enrichment.gender import DEFAULT_MIN_CONFIDENCE, guess_gender
from arena.crm.folding import fold_series

HELD_OUT = Path(__file__).resolve().parents[1] / "crm" / "data" / "insee_births_held_out.csv.gz"


def read_held_out(path: Path = HELD_OUT) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"first_name": str}, keep_default_na=False)


def accented_input(births: pd.DataFrame) -> pd.Series:
    """Names as a form would hold them: "Anaïs", "Jean-Pierre"."""
    return births["first_name"].str.title()


def upper_unaccented_input(births: pd.DataFrame) -> pd.Series:
    """Names as many exports hold them: "ANAIS", "JEAN-PIERRE"."""
    return fold_series(births["first_name"]).astype(str)


def score(genders: pd.Series, births: pd.DataFrame) -> tuple[float, float]:
    """(coverage, error) weighted by births for one answer per row of ``births``."""
    total = births["female"] + births["male"]
    said_female = genders.eq("F").fillna(False).to_numpy(dtype=bool)
    said_male = genders.eq("M").fillna(False).to_numpy(dtype=bool)
    covered = total[said_female | said_male].sum()
    wrong = births["male"][said_female].sum() + births["female"][said_male].sum()
    return covered / total.sum(), wrong / covered


def arena_answers(names: pd.Series, births: pd.DataFrame, *, with_year: bool,
                  min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> pd.Series:
    # The decade's middle year stands for every birth of the decade.
    years = births["decade"] + 5 if with_year else None
    return guess_gender(names, years, min_confidence=min_confidence)["gender"]


def gender_guesser_answers(names: pd.Series) -> pd.Series:
    import gender_guesser.detector as gg

    detector = gg.Detector(case_sensitive=False)
    mapping = {"female": "F", "mostly_female": "F", "male": "M", "mostly_male": "M"}
    unique = names.unique()
    answers = {name: mapping.get(detector.get_gender(name)) for name in unique}
    return names.map(answers)
