"""How long each page takes to render on the demo store (target: under 1 s each).

Runs every page script with Streamlit's AppTest against a fresh SQLite copy of the demo
organisation and prints, per page, the first render (cold caches, the figures are queried) and the
median of later renders (warm caches, as when a leader clicks around). Usage:

    .venv/bin/python scripts/page_times.py [--repeat 5] [--db sqlite:////path/to/store.db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit import logger as st_logger  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from dashboard.config import ENV_DB_URL, load_settings  # noqa: E402
from dashboard.demo import load_demo  # noqa: E402
from data_sources.store import Store  # noqa: E402

PAGES = ("overview", "units", "unit", "learners", "phases", "submissions", "data")
APP = str(ROOT / "dashboard" / "app.py")


def render_times(page: str, repeat: int) -> tuple[float, float]:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["from"] = "2024-01"
    at.query_params["to"] = "2024-12"
    if page == "unit":
        at.query_params["unit"] = "塑编车间"
    at.run()
    if page != "overview":
        at.switch_page(f"../pages/{page}.py")
    st.cache_data.clear()  # the timed render queries its figures, as on a fresh server
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"{page}: {at.exception[0].message}")
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db", help="an existing store; default: a temporary SQLite store with the demo")
    args = ap.parse_args()
    # AppTest runs pages in bare mode; its "missing ScriptRunContext" notices are noise here.
    st_logger.get_logger("streamlit.runtime.scriptrunner_utils.script_run_context").disabled = True
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'demo.db'}"
        if not args.db:
            store = Store.open(url)
            load_demo(store, load_settings())
            store.close()
        os.environ[ENV_DB_URL] = url
        print(f"{'page':<12} {'first render':>14} {'median later':>14}  target < 1 s")
        worst = 0.0
        for page in PAGES:
            cold, warm = render_times(page, args.repeat)
            worst = max(worst, cold)
            print(f"{page:<12} {cold * 1000:>11.0f} ms {warm * 1000:>11.0f} ms  {'ok' if cold < 1 else 'SLOW'}")
        print(f"slowest first render: {worst * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
