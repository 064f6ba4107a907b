"""An Altair chart as the Vega-Lite dictionary Streamlit draws (``st.vega_lite_chart``), its data
frames kept as named datasets.

Building a page's Altair charts and converting them (``to_dict``, which also validated the spec
then) took about 0.3 s of 总览's script run on the demo and more at 1,000 units (issue 13), on every rerun,
though the figures were cached. The dictionary made here depends only on the chart's inputs, so the
page caches it with them (``ui.widgets.chart``) and a rerun hands Streamlit a ready spec.

The conversion is what ``st.altair_chart`` does: Altair's theme off (Streamlit applies its own) and
each data frame replaced by a reference to a named dataset, which Streamlit sends as Arrow, so
dates and numbers reach the browser exactly as with ``st.altair_chart``.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import altair as alt
import pandas as pd

TRANSFORMER = "dashboard_named_frames"
# alt.theme and alt.data_transformers are global to the process; sessions run in threads
_ALTAIR_GLOBALS = threading.Lock()


def frame_digest(frame: pd.DataFrame) -> bytes:
    """The digest of a frame's content: column names, dtypes, index and values, numbers as their
    bytes and anything else as its ``repr`` (quoted and escaped, so no two lists read the same).
    It names a chart's datasets and keys the pages' cached specs (``ui.widgets``): pandas'
    ``hash_pandas_object``, which Streamlit hashes frames with, cost 1–2 ms a frame, a third of
    总览's cached rerun. Not the frame's pickle: that shares equal strings by identity, which
    differs from one rerun to the next."""
    h = hashlib.md5(usedforsecurity=False)
    h.update(repr((list(frame.columns), [repr(t) for t in frame.dtypes], frame.index.tolist())).encode())
    for _name, col in frame.items():
        values = col.to_numpy()
        if values.dtype.kind in "biufmM":
            h.update(values.tobytes())
        else:
            h.update(repr(values.tolist()).encode())
    return h.digest()


def _frame_name(frame: pd.DataFrame) -> str:
    """A name that changes with the frame's content (Vega keeps datasets by name)."""
    return f"data-{frame_digest(frame).hex()[:16]}"


def _named_frames(data: Any, datasets: dict[str, Any]) -> dict[str, str]:
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    name = _frame_name(frame)
    datasets[name] = frame
    return {"name": name}


alt.data_transformers.register(TRANSFORMER, _named_frames)


def vega_lite(chart: alt.TopLevelMixin, validate: bool = False) -> dict[str, Any]:
    """The chart's Vega-Lite spec with ``datasets`` of data frames. Altair's schema validation
    (jsonschema over the whole spec) was a fifth of 总览's script run whenever the figures change;
    the specs our builders make are validated by the tests (``validate=True``) instead."""
    datasets: dict[str, Any] = {}
    with _ALTAIR_GLOBALS, alt.theme.enable("none"), alt.data_transformers.enable(TRANSFORMER, datasets=datasets):
        spec = chart.to_dict(validate=validate)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def has_param(spec: dict[str, Any], name: str) -> bool:
    """Whether the spec has the selection ``name`` (Altair puts every parameter at the top); a
    chart without it (e.g. "no data") cannot be clicked."""
    return any(isinstance(p, dict) and p.get("name") == name and p.get("select") for p in spec.get("params", []))
