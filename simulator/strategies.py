"""Hypothesis strategies for federated property tests: data frames, and splits of a frame over
organizations (tiny, empty and skewed parts included).

    from hypothesis import given
    from simulator.strategies import data_frames, splits

    @given(splits(data_frames(min_rows=1), max_parts=6))
    def test_federated_mean(parts): ...

Needs ``hypothesis`` (in the ``dev`` extra).
"""
from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st


@st.composite
def data_frames(draw, min_rows: int = 0, max_rows: int = 60,
                integer_bounds: tuple[int, int] = (-10_000, 10_000),
                float_bounds: tuple[float, float] = (-1e6, 1e6),
                categories: tuple[str, ...] = ("a", "b", "c")) -> pd.DataFrame:
    """A frame with an integer column ``n``, a float column ``x`` and a categorical ``group``."""
    rows = draw(st.integers(min_rows, max_rows))
    ints = draw(st.lists(st.integers(*integer_bounds), min_size=rows, max_size=rows))
    floats = draw(st.lists(st.floats(*float_bounds, allow_nan=False, allow_infinity=False),
                           min_size=rows, max_size=rows))
    groups = draw(st.lists(st.sampled_from(categories), min_size=rows, max_size=rows))
    return pd.DataFrame({"n": pd.Series(ints, dtype="int64"),
                         "x": pd.Series(floats, dtype="float64"), "group": groups})


@st.composite
def splits(draw, frames: st.SearchStrategy[pd.DataFrame], min_parts: int = 1,
           max_parts: int = 6, allow_empty: bool = True) -> list[pd.DataFrame]:
    """One frame cut into min_parts..max_parts consecutive parts, one per organization. Cut
    points are drawn freely, so parts can be empty (unless ``allow_empty=False``), a single row,
    or nearly everything."""
    frame = draw(frames)
    parts = draw(st.integers(min_parts, max_parts))
    if allow_empty:
        cuts = draw(st.lists(st.integers(0, len(frame)), min_size=parts - 1,
                             max_size=parts - 1))
    else:  # distinct inner cut points: every part keeps at least one row
        parts = max(1, min(parts, len(frame)))
        cuts = draw(st.lists(st.integers(1, max(1, len(frame) - 1)), unique=True,
                             min_size=parts - 1, max_size=parts - 1))
    bounds = [0, *sorted(cuts), len(frame)]
    return [frame.iloc[a:b].reset_index(drop=True) for a, b in zip(bounds, bounds[1:])]
