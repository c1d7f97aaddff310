"""The model card shown with every score: what was trained on what, and how well it validated.

The card holds codes and numbers only; ``arena.crm.scoring.wording`` turns warnings into French
or English sentences (the UI will go through gettext).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

SCORING_VERSION = "1.0"


def _plain(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python numbers, NaN to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class CardWarning:
    """Something the reader of the scores must know (e.g. ``thin_data`` with ``holders=180``)."""

    code: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelCard:
    """Training window, sizes, validation figures of each candidate, the choice and warnings.

    ``validation`` holds the chosen model's figures on the validation data (calibrated
    probabilities, calibration cross-fitted so the figures are out of sample); ``candidates``
    the raw figures of every candidate on the same data, which decided the choice.
    """

    model: str
    chosen: str
    training: dict[str, Any]
    validation: dict[str, Any]
    candidates: list[dict[str, Any]]
    calibration: str
    config: dict[str, Any]
    warnings: list[CardWarning] = field(default_factory=list)
    version: str = SCORING_VERSION

    def warning_codes(self) -> list[str]:
        return [w.code for w in self.warnings]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable dict (what ``--format json`` prints and the profile store keeps)."""
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        values = dict(data)
        values["warnings"] = [CardWarning(w["code"], dict(w.get("values") or {}))
                              for w in values.get("warnings", [])]
        return cls(**values)
