"""A vantage6 5.x algorithm package laid out as the 5.x algorithm template lays one out (one module
per step: extract.py, partial.py, central.py), used to show that unmodified 5.x algorithm packages
and their own MockNetwork-based tests run on the simulator. Based on the v6-sumcount reference of
docs/v5/contract-node-algorithms.md §6: the sum, count and mean of one numeric column, with a
minimum-count privacy threshold per node. See README.md.

A node (and vantage6's MockNetwork) finds a step by name at the top level of the package
(``getattr(import_module(PKG_NAME), method)``), so every step is re-exported here."""
from .central import central_average  # noqa: F401
from .extract import read_csv_file  # noqa: F401
from .partial import partial_sum_count  # noqa: F401

__all__ = ["read_csv_file", "partial_sum_count", "central_average"]
