"""``dashboard.vega``: the pages hand Streamlit a Vega-Lite dict made once per input instead of an
Altair chart converted on every rerun, so the dict must be what ``st.altair_chart`` would have
sent, data included. Streamlit's own conversion is the reference (its datasets are Arrow bytes
named by their hash; ours are the frames, which Streamlit turns into the same Arrow)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

from dashboard import charts, vega
from dashboard.ui import widgets
from tests.test_charts import SETTINGS, milestone_frame, monthly_frame, units_frame

CHARTS: dict[str, Callable[[], Any]] = {
    "participation": lambda: charts.participation_by_unit(units_frame(), 0.98, 0.9),
    "hours, English": lambda: charts.hours_by_month(monthly_frame(), "en"),
    "rate by month": lambda: charts.participation_by_month(monthly_frame(), 0.95),
    "certificates": lambda: charts.certificates_by_level({"初级": 3, "高级": 1}),
    "timeline": lambda: charts.phase_timeline(SETTINGS.phases, milestone_frame(), date(2024, 3, 15), "今天"),
    "milestones": lambda: charts.milestone_matrix(milestone_frame(), ["B", "A"]),
    "no data": lambda: charts.participation_by_unit(units_frame().iloc[0:0], 0.98),
}


def _arrow_frame(data: bytes) -> pd.DataFrame:
    return pa.ipc.open_stream(io.BytesIO(data)).read_pandas()


def _spec_text(spec: dict[str, Any], renames: dict[str, str]) -> str:
    text = json.dumps({k: v for k, v in spec.items() if k != "datasets"}, sort_keys=True, ensure_ascii=False)
    for old, new in renames.items():
        text = text.replace(json.dumps(old), json.dumps(new))
    return text


@pytest.mark.parametrize("name", list(CHARTS))
def test_the_spec_is_streamlits_own_conversion(name: str) -> None:
    ours = vega.vega_lite(CHARTS[name]())
    theirs = _convert_altair_to_vega_lite_spec(CHARTS[name]())
    assert len(ours["datasets"]) == len(theirs["datasets"]) > 0
    renames = {}
    for their_name, data in theirs["datasets"].items():
        frame = _arrow_frame(data)
        (match,) = [n for n, f in ours["datasets"].items() if f.reset_index(drop=True).equals(frame)]
        renames[their_name] = match
    assert _spec_text(theirs, renames) == _spec_text(ours, {})


def test_a_dataset_name_changes_with_its_content_only() -> None:
    first, again = vega.vega_lite(CHARTS["participation"]()), vega.vega_lite(CHARTS["participation"]())
    assert list(first["datasets"]) == list(again["datasets"])
    changed = units_frame().assign(participants=[130, 1139, 20])
    other = vega.vega_lite(charts.participation_by_unit(changed, 0.98, 0.9))
    kept = {n for n, f in other["datasets"].items() if any(f.equals(g) for g in first["datasets"].values())}
    assert len(kept) == 1 and len(other["datasets"]) == 2  # the target line's frame, not the bars'
    assert set(other["datasets"]) & set(first["datasets"]) == kept


@pytest.mark.parametrize(
    ("name", "clickable"),
    [("participation", True), ("milestones", True), ("hours, English", False), ("no data", False)],
)
def test_a_chart_can_be_clicked_only_with_its_unit_selection(name: str, clickable: bool) -> None:
    assert vega.has_param(vega.vega_lite(CHARTS[name]()), charts.UNIT_SELECTION) is clickable


@pytest.mark.parametrize("name", list(CHARTS))
def test_the_cached_spec_holds_the_arrow_bytes_streamlit_would_send(name: str) -> None:
    """``widgets.arrow_datasets``: the pages' cached specs carry each dataset as Streamlit's own
    Arrow conversion of the frame, the rest of the spec untouched."""
    spec = vega.vega_lite(CHARTS[name]())
    theirs = _convert_altair_to_vega_lite_spec(CHARTS[name]())
    cached = widgets.arrow_datasets(spec)
    assert list(cached["datasets"]) == list(spec["datasets"])
    assert sorted(cached["datasets"].values()) == sorted(theirs["datasets"].values())
    assert {k: v for k, v in cached.items() if k != "datasets"} == {k: v for k, v in spec.items() if k != "datasets"}


def _units() -> pd.DataFrame:
    """The participation chart's frame built anew each call (no string shared with another call's)."""
    frame = units_frame().copy()
    frame["unit"] = ["".join(list(u)) for u in frame["unit"]]
    return frame


@pytest.mark.parametrize(
    "other",
    [
        lambda f: f.assign(participants=f["participants"] + [0, 1, 0]),  # one number
        lambda f: f.assign(unit=[*f["unit"][:-1], f["unit"].iloc[-1] + "二"]),  # one name
        lambda f: f.assign(department=[None, *f["department"][1:]]),  # a name becomes blank
        lambda f: f.rename(columns={"unit": "单位"}),  # a column's name
        lambda f: f.astype({"participants": "float64"}),  # a dtype
        lambda f: f.set_axis(range(1, len(f) + 1)),  # the index
        lambda f: f.assign(unit=[repr(list(f["unit"][:2]))[1:-1], "", f["unit"].iloc[2]]),  # cells run together
        lambda f: f.assign(department=pd.Categorical(f["department"], categories=sorted(set(f["department"]))[::-1])),
    ],
)
def test_a_chart_input_keys_its_spec_by_content(other: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """``vega.frame_digest``: the same figures built again give the same key (a cached rerun
    reuses the spec), any change of a value, name, dtype or index another one."""
    assert vega.frame_digest(_units()) == vega.frame_digest(_units())
    assert vega.frame_digest(other(_units())) != vega.frame_digest(_units())
