"""What pages show data with: charts and tables where a click on a unit opens its page, .xlsx
downloads of the tables, the column formats of figures, and the list of learners.

Imports ``session``, ``periods`` (download names) and ``navigation`` (the drill-down);
``dashboard.briefing`` for the .xlsx, ``dashboard.charts`` for the unit selection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import briefing, charts, vega
from dashboard.metrics import Selection
from dashboard.ui.navigation import go_to_department, go_to_unit
from dashboard.ui.periods import period_text
from dashboard.ui.session import lang, t

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _picked_unit(event: Any, name: str = charts.UNIT_SELECTION, field: str = "unit") -> str | None:
    try:
        picked = event.selection.get(name) if event is not None else None
    except AttributeError:
        picked = None
    if isinstance(picked, dict):
        picked = picked.get(field)
        return picked[0] if isinstance(picked, list) and picked else picked
    if isinstance(picked, list) and picked:
        first = picked[0]
        return first.get(field) if isinstance(first, dict) else None
    return None


@st.cache_data(show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: vega.frame_digest})
def _spec(name: str, args: tuple, kwargs: tuple, _build: Callable[..., Any]) -> dict[str, Any]:
    """The chart ``_build(*args, **kwargs)`` as Vega-Lite, once per builder (``name``) and inputs,
    its datasets as the Arrow bytes Streamlit sends (``arrow_datasets``)."""
    return arrow_datasets(vega.vega_lite(_build(*args, **dict(kwargs))))


def arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with each dataset frame turned into Arrow IPC bytes by Streamlit's own conversion,
    which ``st.vega_lite_chart`` passes on as they are: the conversion (a tenth of a cached rerun
    of 总览) is made once with the spec, and the cache hands out bytes, not frames, on every rerun."""
    from streamlit import dataframe_util

    datasets = {n: dataframe_util.convert_anything_to_arrow_bytes(f) for n, f in spec.get("datasets", {}).items()}
    return {**spec, "datasets": datasets}


def chart(
    build: Callable[..., Any],
    *args: Any,
    key: str,
    drill: bool = True,
    departments: Selection | None = None,
    **kwargs: Any,
) -> None:
    """Draw the chart ``build(*args, **kwargs)`` (a function of ``dashboard.charts``), built and
    converted once per input (a rerun with the same figures reuses the spec); with ``drill`` a
    click on a unit opens that unit's page. A chart of departments (``departments``: the page's
    selection) sets the department filter instead."""
    spec = _spec(f"{build.__module__}.{build.__qualname__}", args, tuple(sorted(kwargs.items())), build)
    if not drill:
        st.vega_lite_chart(spec, key=key, width="stretch")
        return
    mode = charts.UNIT_SELECTION if departments is None else charts.DEPT_SELECTION
    if not vega.has_param(spec, mode):  # a chart without the unit selection (e.g. "no data")
        st.vega_lite_chart(spec, key=key, width="stretch")
        return
    event = st.vega_lite_chart(spec, key=key, width="stretch", on_select="rerun", selection_mode=mode)
    if departments is not None:
        dept = _picked_unit(event, charts.DEPT_SELECTION, "department")
        if dept:
            go_to_department(str(dept), departments)
        return
    unit = _picked_unit(event)
    if unit:
        go_to_unit(str(unit))


def labelled(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The listed columns of ``df`` with their headers in the current language."""
    out = df.loc[:, [c for c in columns if c in df.columns]].copy()
    out.columns = [t(c) for c in out.columns]
    return out


PCT = "pct"  # column_config sentinel: a fraction shown as 98.5%
PCT_BAR = "pct_bar"  # the same with a progress bar


def _display_config(df: pd.DataFrame, config: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Fractions become percentages for the screen (98.5%, one decimal like every other figure);
    the download keeps the fractions so Excel formats them itself."""
    shown = df.copy()
    out: dict[str, Any] = {}
    for col, cfg in config.items():
        if cfg in (PCT, PCT_BAR) and col in shown.columns:
            shown[col] = pd.to_numeric(shown[col], errors="coerce") * 100
            out[col] = (
                st.column_config.ProgressColumn(format="%.1f%%", min_value=0.0, max_value=100.0)
                if cfg == PCT_BAR
                else st.column_config.NumberColumn(format="%.1f%%")
            )
        else:
            out[col] = cfg
    return shown, out


def table(
    df: pd.DataFrame,
    key: str,
    columns: Sequence[str],
    column_config: dict[str, Any] | None = None,
    drill: bool = True,
    height: int | str = "auto",
    download: str | None = None,
) -> None:
    """A sortable table of ``columns`` (headers translated); a click on a row opens its unit;
    ``download`` adds an .xlsx download of the same table under that file name."""
    data = labelled(df, columns).reset_index(drop=True)
    shown, config = _display_config(data, {t(k): v for k, v in (column_config or {}).items()})
    if drill and "unit" in df.columns:
        event = st.dataframe(
            shown,
            key=key,
            hide_index=True,
            column_config=config,
            on_select="rerun",
            selection_mode="single-row",
            height=height,
            placeholder="—",
        )
        rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
        if rows:
            go_to_unit(str(df.iloc[rows[0]]["unit"]))
    else:
        st.dataframe(shown, key=key, hide_index=True, column_config=config, height=height, placeholder="—")
    if download:
        download_xlsx(data, download, key=f"{key}_xlsx")


def learner_table(
    frame: pd.DataFrame,
    key: str,
    columns: Sequence[str],
    most: int,
    download: str,
    drill: bool = True,
    column_config: dict[str, Any] | None = None,
) -> None:
    """People as ``metrics.top_learners`` ranks them (points and hours with thousands separators),
    at most ``most`` pixels high; 暂无数据 when there is nobody."""
    if frame.empty:
        st.info(t("no_data"))
        return
    table(
        frame,
        key=key,
        columns=columns,
        column_config={**(column_config or {}), "points": col_figure(), "hours": col_figure()},
        drill=drill,
        height=rows_height(len(frame), most),
        download=download,
    )


def dataframe_to_xlsx(df: pd.DataFrame, sheet_name: str = "数据", language: str = "zh") -> bytes:
    """A table as a styled .xlsx (bold header, number formats, formula-injection guard)."""
    return briefing.table_to_xlsx(df, sheet_name=sheet_name, lang=language)


def download_xlsx(df: pd.DataFrame, file_stem: str, key: str, label: str | None = None) -> None:
    """An .xlsx download of ``df``; the workbook is built only when the button is clicked."""
    language = lang()
    frame = df.copy()
    st.download_button(
        label or t("download_xlsx"),
        data=lambda: dataframe_to_xlsx(frame, sheet_name=file_stem, language=language),
        file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME,
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


def rows_height(rows: int, most: int) -> int:
    """The height in pixels that shows a table's header and ``rows`` rows without a scrollbar,
    up to ``most``."""
    return min(38 * (rows + 1) + 4, most)


def download_name(title_key: str, sel: Selection) -> str:
    """A download's file name: the page title and the period (单位排名_2024年1月至2024年3月)."""
    return f"{t(title_key)}_{period_text(sel)}"


# column configs for figures: thousands separators, percentages
def col_int() -> Any:
    return st.column_config.NumberColumn(format="localized", step=1)


def col_figure() -> Any:
    """A figure with thousands separators and the decimals it has (学时, 积分)."""
    return st.column_config.NumberColumn(format="localized")


def col_num() -> Any:
    return st.column_config.NumberColumn(format="%.1f")


def col_date() -> Any:
    """Dates as 2024年3月5日 (zh) / 2024-03-05 (en), like ``i18n.fmt_date``."""
    return st.column_config.DateColumn(format="YYYY年M月D日" if lang() == "zh" else "YYYY-MM-DD")


def col_bool() -> Any:
    return st.column_config.CheckboxColumn()
