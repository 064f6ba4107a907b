"""The audit log in words: one line per event (导入 a.xlsx（批次 #3）：新增 10 行…), in Chinese or
English, instead of the JSON the store keeps (issue 10.10). A key this module does not know is
still written as "key: value", never as braces and quotes.

Imports ``i18n`` (every string) and ``formatting`` (numbers, times).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dashboard.formatting import fmt_date, fmt_int
from dashboard.i18n import UI_TEXT, roster_changes_text, roster_value, ui_text

# the keys each sentence uses (the rest are listed after it)
_USED = {
    "import": {"files", "added", "replaced", "unchanged"},
    "sync": {"files", "added", "replaced", "unchanged"},
    "undo": {"batch"},
    "undo_refused": {"batch", "reason", "later_batch"},
    "login": {"method", "role", "iss", "sub", "email"},
    "login_failed": {"method", "reason", "iss", "sub", "email"},
    "login_locked": {"method", "until"},
    "logout": set(),
    "user_add": {"name", "role", "units", "first_admin"},
    "user_passwd": {"name"},
    "user_remove": {"name"},
    "user_unlock": {"name"},
    "campaign_plan": {"year", "revision", "how"},
    "unit_add": {"name", "department", "unit_type", "is_pilot", "headcount"},
    "unit_set": {"name", "changes"},
    "unit_rename": {"old", "new"},
    "unit_merge": {"source", "into", "months", "last_batch"},
    "unit_retire": {"name", "from"},
}


def _known(prefix: str, code: Any, lang: str, **params: Any) -> str:
    key = f"{prefix}{code}"
    return ui_text(key, lang, **params) if key in UI_TEXT else str(code)


def _plain(value: Any, lang: str) -> str:
    if isinstance(value, (list, tuple)):
        return ("、" if lang == "zh" else ", ").join(_plain(v, lang) for v in value)
    if isinstance(value, dict):
        return ("；" if lang == "zh" else "; ").join(f"{k}: {_plain(v, lang)}" for k, v in value.items())
    if isinstance(value, bool):
        return ui_text("yes" if value else "no", lang) if "yes" in UI_TEXT else str(value)
    return str(value)


def _when(text: Any, lang: str) -> str:
    try:
        return fmt_date(datetime.fromisoformat(str(text)), lang)
    except ValueError:
        return str(text)


def _sentence(action: str, d: dict[str, Any], lang: str) -> str:
    t = lambda key, **kw: ui_text(key, lang, **kw)  # noqa: E731
    method = _known("audit_m_", d.get("method", ""), lang)
    identity = t("audit_s_identity", email=d.get("email") or d.get("sub"), iss=d.get("iss")) if d.get("iss") else ""
    if action in ("import", "sync"):
        files = [
            t("audit_s_file", file=f.get("file"), batch=f.get("batch")) if f.get("batch") else str(f.get("file"))
            for f in d.get("files") or []
            if isinstance(f, dict)
        ]
        return t(
            "audit_s_import",
            files=_plain(files, lang),
            added=fmt_int(d.get("added", 0)),
            replaced=fmt_int(d.get("replaced", 0)),
            unchanged=fmt_int(d.get("unchanged", 0)),
        )
    if action == "undo":
        return t("audit_s_undo", batch=d.get("batch"))
    if action == "undo_refused":
        reason = _known("audit_r_", d.get("reason"), lang, later_batch=d.get("later_batch"))
        return t("audit_s_undo_refused", batch=d.get("batch"), reason=reason)
    if action == "login":
        return t("audit_s_login", method=method, role=_known("role_", d.get("role"), lang)) + identity
    if action == "login_failed":
        return t("audit_s_login_failed", method=method, reason=_known("audit_r_", d.get("reason"), lang)) + identity
    if action == "login_locked":
        return t("audit_s_login_locked", until=_when(d.get("until"), lang))
    if action == "logout":
        return t("audit_s_logout")
    if action == "user_add":
        units = t("audit_s_units", units=_plain(d["units"], lang)) if d.get("units") else ""
        first = t("audit_s_first_admin") if d.get("first_admin") else ""
        return t("audit_s_user_add", name=d.get("name"), role=_known("role_", d.get("role"), lang)) + units + first
    if action in ("user_passwd", "user_remove", "user_unlock"):
        return t(f"audit_s_{action}", name=d.get("name"))
    if action == "campaign_plan":
        how = _known("audit_how_", d.get("how"), lang)
        return t("audit_s_campaign_plan", year=d.get("year"), how=how, revision=d.get("revision"))
    if action.startswith("unit_"):
        return _roster_sentence(action, d, lang)
    return ""


def _roster_sentence(action: str, d: dict[str, Any], lang: str) -> str:
    """The roster changes (``data_sources.store.roster``): add, set, rename, merge, retire."""
    t = lambda key, **kw: ui_text(key, lang, **kw)  # noqa: E731
    if action == "unit_add":
        values = {k: roster_value(d.get(k), lang) for k in ("department", "unit_type", "headcount")}
        return t("audit_s_unit_add", name=d.get("name"), pilot=roster_value(bool(d.get("is_pilot")), lang), **values)
    if action == "unit_set":
        return t("audit_s_unit_set", name=d.get("name"), changes=roster_changes_text(d.get("changes") or {}, lang))
    if action == "unit_rename":
        return t("audit_s_unit_rename", old=d.get("old"), new=d.get("new"))
    if action == "unit_merge":
        months = t("audit_s_unit_merge_months", months=_plain(d["months"], lang)) if d.get("months") else ""
        batches = t("audit_s_unit_merge_batches", batch=d["last_batch"]) if d.get("last_batch") else ""
        return t("audit_s_unit_merge", source=d.get("source"), into=d.get("into")) + months + batches
    if action == "unit_retire":
        if d.get("from"):
            return t("audit_s_unit_retire", name=d.get("name"), month=d["from"])
        return t("audit_s_unit_reinstate", name=d.get("name"))
    return ""


def audit_line(action: str, detail: dict[str, Any] | Any, lang: str = "zh") -> str:
    """The detail of one audit entry as a sentence; keys the sentence does not use follow as
    "key: value" (an unknown action is all such pairs)."""
    d = detail if isinstance(detail, dict) else {"text": detail}
    if set(d) == {"text"}:
        return str(d["text"])
    main = _sentence(action, d, lang)
    rest = {k: v for k, v in d.items() if k not in _USED.get(action, set())}
    tail = _plain(rest, lang) if rest else ""
    sep = "；" if lang == "zh" else "; "
    return sep.join(p for p in (main, tail) if p)
