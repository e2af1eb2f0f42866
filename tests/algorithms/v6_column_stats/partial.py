"""Runs on each node: aggregates of this organization's data only."""
import pandas as pd
from vantage6.algorithm.tools.decorators import data
from vantage6.algorithm.tools.exceptions import InputError, PrivacyThresholdViolation
from vantage6.algorithm.tools.util import get_env_var, info

DEFAULT_MINIMUM_ROWS = 5


@data(1)
def partial_stats(df: pd.DataFrame, columns: list) -> dict:
    """Count, sum, sum of squares, minimum and maximum per column."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"Columns not in the data: {missing}")
    minimum_rows = get_env_var("STATS_MINIMUM_ROWS", default=DEFAULT_MINIMUM_ROWS, as_type="int")
    if len(df) < minimum_rows:
        raise PrivacyThresholdViolation(
            f"Data has {len(df)} rows, fewer than the minimum of {minimum_rows}")
    info(f"Aggregating {len(columns)} columns over {len(df)} rows")
    out = {}
    for column in columns:
        values = pd.to_numeric(df[column], errors="coerce").dropna()
        out[column] = {"count": int(values.count()), "sum": float(values.sum()),
                       "sum_sq": float((values ** 2).sum()),
                       "min": float(values.min()), "max": float(values.max())}
    return out
