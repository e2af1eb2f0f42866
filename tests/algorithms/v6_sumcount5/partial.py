"""Runs on each node: the sum and count of one column of this organization's dataframe only."""
import pandas as pd
from vantage6.algorithm.decorator.action import federated
from vantage6.algorithm.decorator.data import dataframe
from vantage6.algorithm.tools.exceptions import InputError, PrivacyThresholdViolation
from vantage6.algorithm.tools.util import get_env_var, info

# The node administrator can raise it (node configuration ``algorithm_env``; the node hands it
# over base32-encoded, which get_env_var decodes; a raw value, as a test sets it, is read as is).
MINIMUM_COUNT_VARIABLE = "SUMCOUNT_MINIMUM_COUNT"
DEFAULT_MINIMUM_COUNT = 5


@federated
@dataframe(1)
def partial_sum_count(df: pd.DataFrame, column: str) -> dict:
    """``{"sum": float, "count": int}`` of the non-missing values of ``column``.

    The result must be plain JSON (json.dumps): numpy scalars are cast to float/int.
    """
    if column not in df.columns:
        raise InputError(f"Column {column!r} is not in the data")
    if not pd.api.types.is_numeric_dtype(df[column]):
        raise InputError(f"Column {column!r} is not numeric")
    minimum = get_env_var(MINIMUM_COUNT_VARIABLE, default=DEFAULT_MINIMUM_COUNT, as_type="int")
    values = df[column].dropna()
    if len(values) < minimum:
        raise PrivacyThresholdViolation(
            f"Column {column!r} has {len(values)} values here, fewer than the minimum of "
            f"{minimum}")
    info(f"Summing {len(values)} values of column {column!r}")
    return {"sum": float(values.sum()), "count": int(len(values))}
