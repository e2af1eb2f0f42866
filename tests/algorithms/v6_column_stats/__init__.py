"""A vantage6 algorithm written as the public algorithm template lays one out (central.py with the
orchestration, partial.py with what runs on each node's data), used to show that unmodified
algorithm packages run on the simulator. Column statistics: count, mean, standard deviation,
minimum and maximum of numeric columns, with a minimum-rows privacy threshold per node."""
from .central import central_counts, central_stats  # noqa: F401
from .partial import partial_stats  # noqa: F401
