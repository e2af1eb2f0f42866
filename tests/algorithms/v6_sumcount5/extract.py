"""Data extraction: runs on each node against one of its source databases and gives the session
dataframe the later steps get injected."""
import pandas as pd
from vantage6.algorithm.decorator.action import data_extraction
from vantage6.algorithm.tools.exceptions import DataReadError, InputError
from vantage6.algorithm.tools.util import info


@data_extraction
def read_csv_file(connection_details: dict) -> pd.DataFrame:
    """Read the node's CSV database.

    ``connection_details`` is injected by @data_extraction: ``{"uri": DATABASE_URI,
    "type": DATABASE_TYPE, <DB_PARAM_* keys without the prefix>}`` (on a node), or the
    ``database``/``db_type`` of the MockNetwork dataset (``mock_uri``/``mock_type``). The
    returned DataFrame becomes a pyarrow Table (the decorator), a parquet file (wrap_algorithm)
    and the session dataframe (the node).
    """
    if connection_details["type"] != "csv":
        raise InputError(f"read_csv_file reads csv databases, not {connection_details['type']!r}")
    info(f"Reading {connection_details['uri']}")
    try:
        return pd.read_csv(connection_details["uri"])
    except (OSError, ValueError) as e:  # no file, not a CSV: no data values in the message
        raise DataReadError(f"Could not read the CSV database: {type(e).__name__}") from None
