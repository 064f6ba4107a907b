"""The upload of 数据管理: the template, each file read, validated and planned before anything is
written (a preview with every problem and a diff against what is stored), and the one
all-or-nothing import of the files when confirmed.

Imports ``session``, ``database``, ``cache`` (cleared after an import) and ``widgets``;
``data_sources.importer`` and ``data_sources.access`` inside the functions.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import fmt_month
from dashboard.ui.cache import clear_caches
from dashboard.ui.database import data_version, store
from dashboard.ui.frame import flash
from dashboard.ui.session import get_settings, lang, list_sep, md, settings, t, tm
from dashboard.ui.widgets import download_xlsx


@dataclass
class Preview:
    """One uploaded file as read and validated, with what importing it would change."""

    file: str
    parsed: Any  # data_sources.schema.ParsedFile
    plan: Any  # data_sources.store.ImportPlan | None (None when the file itself has errors)

    @property
    def errors(self) -> list[Any]:
        # the file's own, then what the stored data refuses (an unknown unit, another unit's person)
        return [*self.parsed.errors, *(self.plan.errors if self.plan is not None else [])]

    @property
    def warnings(self) -> list[Any]:
        return [*self.parsed.warnings, *(self.plan.warnings if self.plan is not None else [])]


def template_bytes() -> bytes | None:
    """The upload template, when dashboard.template is there (built once per language)."""
    try:
        from dashboard.template import build_template
    except ImportError:
        return None
    return _template(lang(), build_template)


@st.cache_data(show_spinner=False)
def _template(language: str, _build: Any) -> bytes:
    return _build(get_settings(), language)


def preview_upload(
    name: str, content: bytes, period: str | None, allowed_units: Sequence[str] | None = None
) -> Preview:
    """Read, validate and plan one upload; kept per content, period and data version so a rerun
    does not read the file again. ``allowed_units`` (a reporter's) refuses other units' rows and
    rows another unit holds, exactly as the import will (``access.scope_problems``, the plan)."""
    import hashlib

    from data_sources.access import scope_problems
    from data_sources.importer import read_and_validate

    scope = None if allowed_units is None else tuple(allowed_units)
    key = (hashlib.sha256(content).hexdigest(), name, period, data_version(), scope)
    cache: dict[tuple, Preview] = st.session_state.setdefault("_previews", {})
    if key not in cache:
        parsed = read_and_validate(io.BytesIO(content), name, settings(), period)
        parsed.problems.extend(scope_problems(parsed, scope))
        plan = store().plan(parsed, scope) if not parsed.errors else None
        cache.clear() if len(cache) > 20 else None
        cache[key] = Preview(name, parsed, plan)
    return cache[key]


def _problem_rows(problems: Sequence[Any]) -> pd.DataFrame:
    """Problems as a table: file, sheet, row, column (letter and header), value and the reason in
    the page's words (the 报表月份 box, not the command line's --period)."""
    from dashboard.i18n import problem_fields

    language = lang()
    rows = []
    for p in problems:
        f = problem_fields(p, language, web=True)
        rows.append(
            {
                t("data_col_file"): f["file"],
                t("data_col_sheet"): f["sheet"],
                t("data_col_row"): f["row"],
                t("data_col_column"): f["column"],
                t("data_col_value"): f["value"],
                t("data_col_reason"): f["reason"],
                t("data_col_message"): f["message"],
            }
        )
    return pd.DataFrame(rows)


def kind_label(kind: Any) -> str:
    from dashboard.i18n import KIND_LABELS

    value = getattr(kind, "value", kind)
    return KIND_LABELS.get(value, {}).get(lang(), str(value))


def render_preview(pv: Preview, index: int = 0) -> None:
    """One file's preview: a verdict line, the sheets found with what would change, the errors
    and warnings (as text in a table: uploaded names are never rendered as HTML)."""
    errors, warnings = pv.errors, pv.warnings
    with st.container(border=True):
        if errors:
            st.markdown(f"**:red[✖ {t('data_file_bad', file=md(pv.file), n=len(errors))}]**")
        else:
            st.markdown(f"**:green[✔ {t('data_file_ok', file=md(pv.file))}]**")
        if pv.parsed.sheets:
            rows = []
            for sheet in pv.parsed.sheets:
                kp = pv.plan.kinds.get(sheet.kind) if pv.plan is not None else None
                rows.append(
                    {
                        t("data_col_sheet"): sheet.sheet,
                        t("data_kind"): kind_label(sheet.kind),
                        t("month"): fmt_month(sheet.period, lang()) if sheet.period else "—",
                        t("data_rows"): len(sheet.rows),
                        t("data_added"): kp.added if kp else None,
                        t("data_replaced"): kp.replaced if kp else None,
                        t("data_unchanged"): kp.unchanged if kp else None,
                    }
                )
            st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder="—", key=f"sheets_{index}")
        if pv.plan is not None and pv.plan.units_added:
            st.caption(tm("data_units_added", units=list_sep().join(pv.plan.units_added)))
        if errors:
            st.markdown(f"**{t('data_errors')}（{len(errors)}）**")
            problems = _problem_rows(errors)
            st.dataframe(problems, hide_index=True, key=f"errors_table_{index}")
            download_xlsx(problems, f"{t('data_errors')}_{pv.file.rsplit('.', 1)[0]}", key=f"errors_{index}")
        if warnings:
            with st.expander(f"{t('data_warnings')}（{len(warnings)}）"):
                st.dataframe(_problem_rows(warnings), hide_index=True, key=f"warnings_{index}")
        if pv.plan is not None:
            diff = _diff_rows(pv.plan)
            if not diff.empty:
                with st.expander(t("data_diff", n=len(diff))):
                    st.dataframe(diff, hide_index=True, key=f"diff_{index}")


def field_label(field_name: str) -> str:
    """A stored field as the template's column calls it (计划完成日期 / Planned date), never the key."""
    from dashboard.i18n import FIELD_LABELS

    return FIELD_LABELS.get(field_name, {}).get(lang(), field_name)


def _diff_rows(plan: Any, limit: int = 500) -> pd.DataFrame:
    """Stored value → new value for every field a replaced row would change (a diff before commit),
    each named by its column label."""
    rows = []
    for kind, kp in plan.kinds.items():
        for change in kp.changes:
            if change.before is None:
                continue
            for field_name, new in change.after.items():
                old = change.before.get(field_name)
                if field_name.startswith("_") or field_name == "auto_added" or old == new:
                    continue
                rows.append(
                    {
                        t("data_kind"): kind_label(kind),
                        t("data_key"): " / ".join(str(k) for k in change.key),
                        t("data_col_column"): field_label(field_name),
                        t("data_before"): "" if old is None else str(old),
                        t("data_after"): "" if new is None else str(new),
                    }
                )
                if len(rows) >= limit:
                    return pd.DataFrame(rows)
    return pd.DataFrame(rows)


def commit_uploads(
    files: Sequence[tuple[str, bytes]], period: str | None, user: str, allowed_units: Sequence[str] | None = None
) -> None:
    """Import every uploaded file as one all-or-nothing unit, then show the outcome."""
    from data_sources.importer import import_files
    from data_sources.schema import ImportRejected

    try:
        outcomes = import_files(
            store(),
            [(name, io.BytesIO(content)) for name, content in files],
            settings(),
            user=user,
            period=period,
            allowed_units=allowed_units,
        )
    except ImportRejected as e:
        errors = [p for p in e.problems if p.severity == "error"]
        st.error(t("data_rejected", n=len(errors)))
        st.dataframe(_problem_rows(errors), hide_index=True)
        return
    clear_caches()
    st.session_state.pop("_previews", None)
    st.session_state["_upload_round"] = st.session_state.get("_upload_round", 0) + 1
    lines = []
    for o in outcomes:
        if o.batch_id is None:
            lines.append(tm("data_nothing_new", file=o.file))
        else:
            lines.append(
                tm(
                    "data_imported",
                    file=o.file,
                    batch=o.batch_id,
                    added=o.added,
                    replaced=o.replaced,
                    unchanged=o.unchanged,
                )
            )
    flash("  \n".join(lines))
    st.rerun()


def scope_note(units: Sequence[str]) -> None:
    """A reporter's note above the upload: the units they may report for."""
    st.info(tm("data_scope", units=list_sep().join(units) or "—"), icon=":material/lock:")
