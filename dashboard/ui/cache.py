"""Cached metric calls: ``cached(metrics.overview)(sel, …)`` runs ``metrics.overview(store,
settings, sel, …)`` once per database, selection, arguments and data version (``Store.data_version``:
it changes with every import, undo and saved campaign plan), so a meeting's clicks are instant and an
import shows at once. ``settings`` carry the plan of the selection's year (``campaigns.settings_for``).

The call names the function it runs, so an editor goes from a page to the metric's SQL (no
dispatch by a name). Imports ``session`` and ``database``; ``dashboard.metrics`` for
``filter_options`` and ``Selection``, every other metric comes in as the argument of ``cached``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from dashboard import metrics
from dashboard.campaigns import campaign_years, selection_year, settings_for_year
from dashboard.config import Settings
from dashboard.metrics import Selection
from dashboard.ui.database import data_version, database_url, open_store
from dashboard.ui.session import get_settings

if TYPE_CHECKING:  # pragma: no cover
    from data_sources.store import Store

P = ParamSpec("P")
R = TypeVar("R")


@st.cache_data(show_spinner=False, max_entries=64)
def _year_settings(url: str, version: str, year: int) -> Settings:
    return settings_for_year(open_store(url), get_settings(), year)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_call(
    fn_key: str, url: str, version: str, sel_key: tuple, args: tuple, kwargs: tuple, _fn: Callable[..., Any], _sel: Any
) -> Any:
    """The one cache behind ``cached``: keyed by the function's qualified name (``fn_key``), the
    database URL, the data version, the selection's fields and the arguments; ``_fn`` and
    ``_sel`` are what runs (not hashed: their keys stand for them)."""
    store = open_store(url)
    if _sel is None:
        return _fn(store, *args, **dict(kwargs))
    year = selection_year(_sel, get_settings())
    return _fn(store, _year_settings(url, version, year), _sel, *args, **dict(kwargs))  # the year's plan, read once


def _key(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def cached(fn: Callable[Concatenate[Store, Settings, Selection, P], R]) -> Callable[Concatenate[Selection, P], R]:
    """``fn(store, settings, sel, *args, **kwargs)`` as a cached call ``(sel, *args, **kwargs)``."""

    def call(sel: Selection, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (_key(fn), database_url(), data_version(), astuple(sel), tuple(args), tuple(sorted(kwargs.items())))
        return _cached_call(*key, fn, sel)

    call.__wrapped__ = fn  # type: ignore[attr-defined]
    call.__doc__ = fn.__doc__
    return call


@st.cache_data(show_spinner=False, max_entries=128)
def _derived_call(
    fn_key: str, url: str, version: str, sel_key: tuple, key: tuple, _fn: Callable[..., Any], _inputs: tuple
) -> Any:
    return _fn(*_inputs)


def derived(fn: Callable[..., R], sel: Selection, key: tuple, *inputs: Any) -> R:
    """``fn(*inputs)`` cached like the figures of ``sel`` it is computed from (database, data
    version, selection), plus ``key``: every argument those do not determine (the language, the
    day). Hashing the figures themselves on every rerun cost more than reading them (issue 13)."""
    return _derived_call(_key(fn), database_url(), data_version(), astuple(sel), key, fn, inputs)


def filter_options() -> dict[str, list[Any]]:
    """The departments, unit types, units and months the filters offer (``metrics.filter_options``),
    cached like every metric."""
    fn = metrics.filter_options
    return _cached_call(_key(fn), database_url(), data_version(), (), (), (), fn, None)


@st.cache_data(show_spinner=False, max_entries=64)
def _years(url: str, version: str) -> list[int]:
    return campaign_years(open_store(url), get_settings())


def year_settings(year: int) -> Settings:
    """The settings with ``year``'s campaign plan (``campaigns.settings_for_year``), cached by the
    data version like every figure."""
    return _year_settings(database_url(), data_version(), year)


def years() -> list[int]:
    """The campaign years the year switch offers (``campaigns.campaign_years``)."""
    return _years(database_url(), data_version())


def clear_caches() -> None:
    """After an import or an undo: forget every cached figure."""
    _cached_call.clear()
    _derived_call.clear()
    _year_settings.clear()
    _years.clear()
