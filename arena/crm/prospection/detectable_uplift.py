"""How big an effect a campaign can prove, given the list size and the control share.

Before the campaign the user picks the control share. A small control group leaves more people
to contact but can only prove large effects; this module answers "with 2,000 contacts and a 10 %
control group, the campaign must add at least N subscriptions for us to see it".

The minimum detectable uplift is the smallest rise of the conversion rate, above the baseline
rate, that a two-sided test at level α detects with probability ``power``, for two independent
groups (the usual normal-approximation sample-size formula, e.g. Fleiss, Levin & Paik,
*Statistical Methods for Rates and Proportions*, 3rd ed., §4.2, solved for the treated rate):

    p1 - p0 = z(1-α/2)·sqrt(p̄(1-p̄)(1/n1 + 1/n0)) + z(power)·sqrt(p1(1-p1)/n1 + p0(1-p0)/n0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.optimize import brentq
from scipy.stats import norm


@dataclass(frozen=True)
class DetectableUplift:
    """Plain numbers for the UI: the group sizes and the smallest effect the campaign can show."""

    list_size: int
    contacted: int
    control: int
    baseline_rate: float
    alpha: float
    power: float
    detectable: bool  # False: no effect, however large, can be shown with these groups
    detectable_rate: float | None  # the contacted group's conversion rate to reach
    uplift_points: float | None  # detectable_rate - baseline_rate (0.021 = 2.1 points)
    extra_conversions: int | None  # conversions the campaign must add among the contacted
    relative_uplift: float | None  # uplift_points / baseline_rate


def minimum_detectable_uplift(list_size: int, control_share: float, baseline_rate: float,
                              alpha: float = 0.05, power: float = 0.8) -> DetectableUplift:
    """The minimum detectable uplift of a campaign (see the module docstring)."""
    if list_size < 0 or not 0 <= control_share < 1:
        raise ValueError("the list size is a count and the control share a fraction below 1")
    if not 0 < baseline_rate < 1:
        raise ValueError("the baseline conversion rate is a fraction strictly between 0 and 1")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("alpha and power are fractions strictly between 0 and 1")
    control = int(round(list_size * control_share))
    contacted = list_size - control
    none = DetectableUplift(list_size, contacted, control, baseline_rate, alpha, power, False,
                            None, None, None, None)
    if control == 0 or contacted == 0:
        return none
    z_alpha, z_power = norm.ppf(1 - alpha / 2), norm.ppf(power)

    def gap(p1: float) -> float:
        pooled = (contacted * p1 + control * baseline_rate) / list_size
        null_sd = math.sqrt(pooled * (1 - pooled) * (1 / contacted + 1 / control))
        alt_sd = math.sqrt(p1 * (1 - p1) / contacted + baseline_rate * (1 - baseline_rate) / control)
        return (p1 - baseline_rate) - (z_alpha * null_sd + z_power * alt_sd)

    upper = 1 - 1e-12
    if gap(upper) < 0:
        return none
    rate = float(brentq(gap, baseline_rate, upper, xtol=1e-10))
    uplift = rate - baseline_rate
    return DetectableUplift(list_size, contacted, control, baseline_rate, alpha, power, True,
                            rate, uplift, int(math.ceil(uplift * contacted)),
                            uplift / baseline_rate)


def detectable_uplift_table(list_size: int, baseline_rate: float,
                            shares: tuple[float, ...] = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5),
                            alpha: float = 0.05, power: float = 0.8) -> list[DetectableUplift]:
    """The detectable uplift for several control shares, for the slider that picks one."""
    return [minimum_detectable_uplift(list_size, share, baseline_rate, alpha, power)
            for share in shares]


def power_to_detect(list_size: int, control_share: float, baseline_rate: float, uplift: float,
                    alpha: float = 0.05) -> float:
    """The chance that the campaign's interval excludes zero when the true uplift is ``uplift``
    (same normal approximation as `minimum_detectable_uplift`, whose power this inverts)."""
    control = int(round(list_size * control_share))
    contacted = list_size - control
    if control == 0 or contacted == 0:
        return 0.0
    rate = min(max(baseline_rate + uplift, 0.0), 1.0)
    pooled = (contacted * rate + control * baseline_rate) / list_size
    null_sd = math.sqrt(pooled * (1 - pooled) * (1 / contacted + 1 / control))
    alt_sd = math.sqrt(rate * (1 - rate) / contacted
                       + baseline_rate * (1 - baseline_rate) / control)
    if alt_sd == 0:
        return 1.0 if abs(uplift) > 0 else 0.0
    z_alpha = norm.ppf(1 - alpha / 2)
    return float(norm.cdf((abs(uplift) - z_alpha * null_sd) / alt_sd))
