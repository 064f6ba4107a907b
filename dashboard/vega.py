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


def _frame_name(frame: pd.DataFrame) -> str:
    """A name that changes with the frame's content (Vega keeps datasets by name)."""
    try:
        rows = pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
    except TypeError:  # a cell pandas cannot hash (a list): its text instead
        rows = frame.to_json(orient="split", date_format="iso", default_handler=str).encode()
    digest = hashlib.sha1(rows)
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    return f"data-{digest.hexdigest()[:16]}"


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
