"""Renewal scoring: P(a holder of season t holds a season ticket in t+1), with reasons.

Honest about time (McDonald 2010 and most churn work validate the same way): to score the
holders of season s, the model learns from the transitions t -> t+1 with t+1 <= s and never
sees anything of later seasons. The two candidates (``renewal_candidates``) are trained on the
older transitions and compared on the latest one (AUC); the spline logistic regression is kept
unless boosting beats it by ``selection_margin``. The winner is refitted on every transition
and calibrated (``Calibrator``): its shape (Platt scaling by default, isotonic on request) is
learned on the latest transition, its level on all of them. The validation figures on the card
are out of sample and made the way production makes them: shape cross-fitted (5 folds) on the
validation holders, level from the training transitions only. With a single known transition the candidates
are compared on a random 30 % of its holders instead, and the card says so.

References: McDonald, H. (2010), The factors influencing churn rates among season ticket
holders: an empirical analysis, Journal of Sport Management 24(6); Platt (1999) and Zadrozny &
Elkan (2002) for calibration; Lundberg et al. (2020) for the boosting reasons.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from arena.crm.scoring.card import SCORING_VERSION, CardWarning, ModelCard
from arena.crm.scoring.errors import (
    NotFittedError,
    ScoringInputError,
    TooLittleHistory,
    require_columns,
)
from arena.crm.scoring.holdings import (
    HOLDING_COLUMNS,
    HolderPanel,
    prepare_holdings,
    season_start_year,
)
from arena.crm.scoring.metrics import summarize
from arena.crm.scoring.reasons import Reason, global_drivers, top_reasons
from arena.crm.scoring.renewal_candidates import (
    Candidate,
    FeatureSet,
    GradientBoosting,
    SplineLogistic,
)

CANDIDATES = ("spline_logistic", "gradient_boosting")
CALIBRATIONS = ("platt", "isotonic")
THIN_HOLDERS = 300
SINGLE_TRANSITION_VALIDATION_SHARE = 0.3


class Calibrator:
    """Maps a candidate's raw log-odds to a probability in two separate steps.

    Shape: learned on holders the candidate was not trained on (Platt: a logistic curve;
    isotonic: a non-decreasing step function) — it corrects over- or under-confidence.
    Level: a shift in log-odds so that the mean probability over the training transitions
    equals their observed renewal rate. The level of next season is unknown; the average of the
    seasons seen is the honest guess, and taking it from the shape step would count the latest
    season's ups and downs twice once the model is refitted on it.
    """

    def __init__(self, method: str) -> None:
        if method not in CALIBRATIONS:
            raise ScoringInputError(f"Unknown calibration {method!r}: choose platt or isotonic.")
        self.method = method
        self.shift_ = 0.0

    def fit(self, raw: np.ndarray, renewed: np.ndarray) -> Calibrator:
        if self.method == "platt":
            self._model: Any = LogisticRegression(C=1e6, max_iter=1000).fit(raw[:, None], renewed)
        else:
            self._model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
                raw, renewed)
        return self

    def _shape_logit(self, raw: np.ndarray) -> np.ndarray:
        if self.method == "platt":
            return np.asarray(self._model.decision_function(raw[:, None]), dtype=float)
        shaped = np.clip(np.asarray(self._model.predict(raw), dtype=float), 1e-4, 1 - 1e-4)
        return np.log(shaped / (1 - shaped))

    def set_level(self, raw: np.ndarray, renewed: np.ndarray) -> Calibrator:
        """Shift so that the mean probability on (raw, renewed) is the observed rate."""
        target = float(np.mean(renewed))
        logit = self._shape_logit(raw)
        low, high = -10.0, 10.0
        for _ in range(60):
            middle = (low + high) / 2
            if np.mean(1 / (1 + np.exp(-(logit + middle)))) < target:
                low = middle
            else:
                high = middle
        self.shift_ = (low + high) / 2
        return self

    def predict(self, raw: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(self._shape_logit(raw) + self.shift_)))


class RenewalModel:
    """Season-ticket renewal probabilities with reasons, trained on past seasons only.

    Hyperparameters: ``candidates``, ``calibration`` (``platt`` or ``isotonic``), ``C`` and
    ``n_knots`` of the spline logistic regression, ``boosting_max_depth``,
    ``boosting_learning_rate``, ``boosting_max_iter``, ``selection_margin`` (AUC boosting must
    gain to be preferred), ``max_reasons`` per holder, ``random_state`` (the seed of every random
    step: same data and seed, same model), ``n_threads`` for the numeric libraries (1 by
    default: on a shared, busy machine OpenMP threads that wait for a core are 20x slower).

    ``fit(holdings, customers, season=s)`` prepares to score the holders of season ``s``
    (default: the latest season). Fitted attributes: ``season_``, ``chosen_``, ``features_``,
    ``model_`` (the refitted winner), ``calibrator_``, ``card_``, ``panel_``.
    """

    def __init__(self, *, candidates: tuple[str, ...] = CANDIDATES, calibration: str = "platt",
                 C: float = 1.0, n_knots: int = 5, boosting_max_depth: int = 4,
                 boosting_learning_rate: float = 0.1, boosting_max_iter: int = 200,
                 selection_margin: float = 0.005, max_reasons: int = 3,
                 random_state: int = 0, n_threads: int = 1) -> None:
        unknown = [c for c in candidates if c not in CANDIDATES]
        if unknown or not candidates:
            raise ScoringInputError(f"Candidates must come from {', '.join(CANDIDATES)}.")
        Calibrator(calibration)
        self.candidates = tuple(candidates)
        self.calibration = calibration
        self.C = C
        self.n_knots = n_knots
        self.boosting_max_depth = boosting_max_depth
        self.boosting_learning_rate = boosting_learning_rate
        self.boosting_max_iter = boosting_max_iter
        self.selection_margin = selection_margin
        self.max_reasons = max_reasons
        self.random_state = random_state
        self.n_threads = n_threads

    def config(self) -> dict[str, Any]:
        return {"candidates": list(self.candidates), "calibration": self.calibration,
                "C": self.C, "n_knots": self.n_knots,
                "boosting_max_depth": self.boosting_max_depth,
                "boosting_learning_rate": self.boosting_learning_rate,
                "boosting_max_iter": self.boosting_max_iter,
                "selection_margin": self.selection_margin, "max_reasons": self.max_reasons,
                "random_state": self.random_state, "n_threads": self.n_threads}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.config().items())
        fitted = getattr(self, "chosen_", None)
        return f"RenewalModel({shown}" + (
            f"; season_={self.season_!r}, chosen_={fitted!r})" if fitted else ")")

    # -- training ---------------------------------------------------------------------------
    def _candidate(self, name: str, features: FeatureSet) -> Candidate:
        if name == "spline_logistic":
            return SplineLogistic(features, C=self.C, n_knots=self.n_knots)
        return GradientBoosting(features, max_depth=self.boosting_max_depth,
                                learning_rate=self.boosting_learning_rate,
                                max_iter=self.boosting_max_iter, random_state=self.random_state)

    def fit(self, holdings: pd.DataFrame, customers: pd.DataFrame | None = None, *,
            season: str | None = None) -> RenewalModel:
        with threadpool_limits(limits=self.n_threads):
            return self._fit(holdings, customers, season)

    def _fit(self, holdings: pd.DataFrame, customers: pd.DataFrame | None,
             season: str | None) -> RenewalModel:
        require_columns(holdings, HOLDING_COLUMNS, "season-ticket holdings")
        labels = holdings["season"].astype(str)
        seasons = sorted(labels.unique(), key=lambda s: (season_start_year(s), s))
        season = str(season) if season is not None else (seasons[-1] if seasons else "")
        if season not in seasons:
            raise ScoringInputError(
                f"Unknown season {season!r}: the holdings have {', '.join(seasons) or 'none'}.")
        # Forget everything after the scored season: its holders' future is unknown, as it is
        # in real life when the score is used.
        known = set(seasons[: seasons.index(season) + 1])
        panel = prepare_holdings(holdings[labels.isin(known).to_numpy()], customers)
        history = panel.rows[panel.rows["renewed"].notna()]
        if history.empty:
            raise TooLittleHistory(
                f"No holder of a season before {season} can be followed into the next one: "
                "renewal scoring needs season-ticket lists of at least two seasons.")
        transitions = sorted(history["season"].unique(), key=panel.seasons.index)
        rng = np.random.default_rng(self.random_state)
        if len(transitions) >= 2:
            train = history[history["season"] != transitions[-1]]
            valid = history[history["season"] == transitions[-1]]
        else:
            in_valid = rng.random(len(history)) < SINGLE_TRANSITION_VALIDATION_SHARE
            train, valid = history[~in_valid], history[in_valid]
        for part, name in ((train, "training"), (valid, "validation")):
            if part["renewed"].nunique() < 2:
                raise TooLittleHistory(
                    f"Every {name} holder renewed (or none did): there is nothing to learn from.")
        features = FeatureSet.learn(train)
        y_train = train["renewed"].to_numpy(dtype=int)
        y_valid = valid["renewed"].to_numpy(dtype=int)
        raw: dict[str, np.ndarray] = {}
        raw_train: dict[str, np.ndarray] = {}
        rows = []
        for name in self.candidates:
            candidate = self._candidate(name, features).fit(train, y_train)
            raw[name] = candidate.decision_function(valid)
            raw_train[name] = candidate.decision_function(train)
            figures = summarize(y_valid, 1 / (1 + np.exp(-raw[name])),
                                lift_outcome=1 - y_valid, lift_score=-raw[name])
            rows.append({"candidate": name, **figures})
        chosen = self._choose(rows)
        calibrated = self._cross_fitted(raw[chosen], y_valid, raw_train[chosen], y_train, rng)
        self.features_ = FeatureSet.learn(history)
        y_history = history["renewed"].to_numpy(dtype=int)
        self.model_ = self._candidate(chosen, self.features_).fit(history, y_history)
        self.calibrator_ = Calibrator(self.calibration).fit(raw[chosen], y_valid).set_level(
            self.model_.decision_function(history), y_history)
        self.season_ = season
        self.chosen_ = chosen
        self.panel_ = panel
        self.card_ = self._card(panel, history, transitions, train, valid, rows, chosen,
                                summarize(y_valid, calibrated, lift_outcome=1 - y_valid,
                                          lift_score=-calibrated))
        return self

    def _choose(self, rows: list[dict[str, Any]]) -> str:
        auc = {row["candidate"]: row["auc"] for row in rows}
        if "spline_logistic" not in auc:
            return rows[0]["candidate"]
        best = max(auc, key=lambda name: auc[name])
        if best != "spline_logistic" and auc[best] < auc["spline_logistic"] + self.selection_margin:
            return "spline_logistic"
        return best

    def _cross_fitted(self, raw: np.ndarray, renewed: np.ndarray, raw_train: np.ndarray,
                      y_train: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Calibrated validation probabilities as production makes them: the shape from the
        other validation holders (5 folds), the level from the training transitions only."""
        folds = KFold(n_splits=5, shuffle=True, random_state=int(rng.integers(2**31)))
        result = np.empty(len(raw))
        for fit_index, test_index in folds.split(raw):
            if np.unique(renewed[fit_index]).size < 2:
                result[test_index] = renewed[fit_index].mean()
                continue
            calibrator = Calibrator(self.calibration).fit(
                raw[fit_index], renewed[fit_index]).set_level(raw_train, y_train)
            result[test_index] = calibrator.predict(raw[test_index])
        return result

    def _card(self, panel: HolderPanel, history: pd.DataFrame, transitions: list[str],
              train: pd.DataFrame, valid: pd.DataFrame, rows: list[dict[str, Any]], chosen: str,
              validation: dict[str, Any]) -> ModelCard:
        per_season = [{"season": s, "next_season": panel.seasons[panel.seasons.index(s) + 1],
                       "holders": int((history["season"] == s).sum()),
                       "renewal_rate": float(history.loc[history["season"] == s,
                                                         "renewed"].mean())}
                      for s in transitions]
        warnings = []
        if len(train) < THIN_HOLDERS or len(valid) < THIN_HOLDERS:
            warnings.append(CardWarning("thin_data", {"training_holders": len(train),
                                                      "validation_holders": len(valid)}))
        if len(transitions) < 2:
            warnings.append(CardWarning("single_season", {"season": transitions[0]}))
        if "holder_since" not in panel.provided:
            warnings.append(CardWarning("tenure_from_data_only", {"first_season": panel.seasons[0]}))
        if "events_attended" not in panel.provided:
            warnings.append(CardWarning("no_attendance", {}))
        scored = panel.season_rows(self.season_)
        return ModelCard(
            model="renewal", chosen=chosen,
            training={"scored_season": self.season_, "scored_holders": int(len(scored)),
                      "first_season": transitions[0], "last_transition": transitions[-1],
                      "transitions": per_season, "training_holders": int(len(train)),
                      "validation_holders": int(len(valid)),
                      "validated_on": (f"season {transitions[-1]}" if len(transitions) >= 2
                                       else f"random 30 % of season {transitions[0]}"),
                      "features": list(self.features_.groups),
                      "refitted_on_holders": int(len(history))},
            validation=validation, candidates=rows, calibration=self.calibration,
            config=self.config(), warnings=warnings)

    # -- scoring ----------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "card_"):
            raise NotFittedError("This RenewalModel is not fitted yet: call fit first.")

    def predict(self, holdings: pd.DataFrame | None = None,
                customers: pd.DataFrame | None = None) -> pd.DataFrame:
        """The holders of ``season_``: ``customer_id``, ``season``, ``probability`` (of holding
        a season ticket next season) and ``reasons`` (list of ``Reason``, strongest first).

        Without ``holdings`` the holders seen at fit are scored; with them (the scored season
        and the one before, for price and category changes) those are.
        """
        self._check_fitted()
        panel = self.panel_ if holdings is None else prepare_holdings(holdings, customers)
        rows = panel.season_rows(self.season_)
        if rows.empty:
            raise ScoringInputError(f"No holder of season {self.season_} to score.")
        with threadpool_limits(limits=self.n_threads):
            probability = self.calibrator_.predict(self.model_.decision_function(rows))
            contributions, _ = self.model_.contributions(rows)
        reasons = top_reasons(rows, contributions, self.features_.groups,
                              max_reasons=self.max_reasons)
        return pd.DataFrame({"customer_id": rows["customer_id"].to_numpy(),
                             "season": self.season_, "probability": probability,
                             "reasons": reasons})

    def drivers(self, holdings: pd.DataFrame | None = None,
                customers: pd.DataFrame | None = None) -> pd.DataFrame:
        """What drives the scores of the scored season: mean absolute log-odds per feature."""
        self._check_fitted()
        panel = self.panel_ if holdings is None else prepare_holdings(holdings, customers)
        with threadpool_limits(limits=self.n_threads):
            contributions, _ = self.model_.contributions(panel.season_rows(self.season_))
        return global_drivers(contributions, self.features_.groups)

    # -- persistence -------------------------------------------------------------------------
    def to_document(self) -> dict[str, Any]:
        """Config, version, card and the fitted estimators (pickled, base64) in one JSON-able
        document. The estimators are scikit-learn objects; ``from_document`` refuses a document
        written by another scikit-learn or scoring version rather than guess. The same data and
        ``random_state`` refit the same model, so a refused document is refitted, not lost."""
        self._check_fitted()
        state = pickle.dumps({"model": self.model_, "calibrator": self.calibrator_,
                              "features": self.features_})
        return {"kind": "renewal", "version": SCORING_VERSION,
                "sklearn_version": sklearn.__version__, "config": self.config(),
                "season": self.season_, "chosen": self.chosen_, "card": self.card_.to_dict(),
                "state": base64.b64encode(state).decode("ascii")}

    @classmethod
    def from_document(cls, document: dict[str, Any], holdings: pd.DataFrame,
                      customers: pd.DataFrame | None = None) -> RenewalModel:
        """A fitted model back from ``to_document`` (the holdings to score come with it)."""
        if document.get("kind") != "renewal":
            raise ScoringInputError("This document does not hold a renewal model.")
        if document.get("version") != SCORING_VERSION or document.get(
                "sklearn_version") != sklearn.__version__:
            raise ScoringInputError(
                "This renewal model was saved by another version; refit it from the data.")
        config = dict(document["config"])
        config["candidates"] = tuple(config["candidates"])
        model = cls(**config)
        state = pickle.loads(base64.b64decode(document["state"]))  # noqa: S301 - our own document
        model.model_ = state["model"]
        model.calibrator_ = state["calibrator"]
        model.features_ = state["features"]
        model.season_ = document["season"]
        model.chosen_ = document["chosen"]
        model.card_ = ModelCard.from_dict(document["card"])
        model.panel_ = prepare_holdings(holdings, customers)
        return model


def reasons_as_dicts(reasons: list[Reason]) -> list[dict[str, Any]]:
    """JSON form of one holder's reasons (for the scores table and profile documents)."""
    return [reason.to_dict() for reason in reasons]
