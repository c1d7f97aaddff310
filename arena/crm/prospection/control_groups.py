"""The control group: a random holdout of the list, stratified by score decile, reproducible.

Why stratified: the campaign's effect is measured as the conversion rate of the contacted
members minus that of the held-out ones. A plain random draw can, by bad luck, hold out more
high scorers than low ones, and that difference in who is in each group would be read as an
effect. Drawing the same share inside each score decile makes both groups alike on the score.

Why reproducible: the same list, share and seed give the same groups whatever the order in
which the rows arrive, so a campaign can be re-created and audited.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from arena.crm.prospection.channels import CUSTOMER_ID

GROUP_CONTACTED = "contacted"
GROUP_CONTROL = "control"
UNSCORED_DECILE = 0  # the stratum of members without a score


def score_deciles(scores: pd.Series, order_key: pd.Series | None = None) -> pd.Series:
    """Decile of each score: 1 holds the highest tenth, 10 the lowest; 0 when there is no score.

    Ties are split by ``order_key`` (the customer id) so that deciles do not depend on row order.
    """
    values = pd.to_numeric(scores, errors="coerce")
    deciles = pd.Series(UNSCORED_DECILE, index=scores.index, dtype="int64")
    scored = values.notna()
    count = int(scored.sum())
    if count == 0:
        return deciles
    frame = pd.DataFrame({"score": values[scored]})
    frame["key"] = (order_key[scored].astype(str) if order_key is not None
                    else pd.Series(range(count), index=frame.index).astype(str))
    ordered = frame.sort_values(["score", "key"], ascending=[False, True], kind="stable")
    rank = np.arange(1, count + 1)
    deciles.loc[ordered.index] = np.ceil(rank * 10 / count).astype("int64")
    return deciles


def assign_control_group(members: pd.DataFrame, control_share: float, seed: int,
                         score_column: str = "score") -> pd.DataFrame:
    """Split a list into contacted and control members: customer_id, score, decile, group.

    Inside each score decile, ``round``-ing is done so that the whole control group has exactly
    ``round(control_share × list size)`` members and every decile is within one member of its
    share. ``control_share`` of 0 gives no control group (the uplift then cannot be measured).
    """
    if not 0 <= control_share < 1:
        raise ValueError("the control share is a fraction between 0 and 1 (e.g. 0.1 for 10 %)")
    if CUSTOMER_ID not in members.columns:
        raise ValueError("members need a customer_id column")
    if members[CUSTOMER_ID].duplicated().any():
        raise ValueError("a customer appears twice in the list")
    key = members[CUSTOMER_ID].astype(str)
    frame = pd.DataFrame({CUSTOMER_ID: members[CUSTOMER_ID].to_numpy(), "_key": key.to_numpy()})
    frame["score"] = (pd.to_numeric(members[score_column], errors="coerce").to_numpy()
                      if score_column in members.columns else np.nan)
    frame = frame.sort_values("_key", kind="stable").reset_index(drop=True)
    frame["decile"] = score_deciles(frame["score"], frame["_key"])
    rng = np.random.default_rng(seed)
    frame["_draw"] = rng.random(len(frame))
    sizes = frame["decile"].value_counts().sort_index()
    quotas = _control_quotas(sizes, control_share, rng)
    frame = frame.sort_values(["decile", "_draw"], kind="stable")
    position = frame.groupby("decile").cumcount()
    in_control = position < frame["decile"].map(quotas)
    frame["group"] = np.where(in_control, GROUP_CONTROL, GROUP_CONTACTED)
    restored = frame.set_index(CUSTOMER_ID).reindex(members[CUSTOMER_ID].to_numpy())
    return restored.reset_index()[[CUSTOMER_ID, "score", "decile", "group"]]


def _control_quotas(sizes: pd.Series, share: float, rng: np.random.Generator) -> pd.Series:
    """Control members per decile: the floor of each exact share, the remaining members going to
    the largest remainders (ties broken at random) so that the total is the rounded share."""
    exact = sizes * share
    quotas = np.floor(exact).astype(int)
    total = int(round(float(sizes.sum()) * share))
    left = total - int(quotas.sum())
    if left > 0:
        remainder = (exact - quotas).to_numpy()
        order = np.lexsort((rng.random(len(remainder)), -remainder))
        quotas.iloc[order[:left]] += 1
    return quotas
