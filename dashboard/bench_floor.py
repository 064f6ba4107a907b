"""The floor of ``bench --browser``: two bare Streamlit pages with what every page of the app
shows at least (a heading, one Vega-Lite chart, one table), a menu between them and a button that
reruns a page with other figures (the chart and the table drawn again), served and timed like the
app's pages. No store, no sign-in, none of the app's code: what a page, a rerun and a page switch
cost in this Streamlit and this browser before the app does any work of its own, printed beside
the goal lines."""

import pandas as pd
import streamlit as st


def _page(title: str, measure: str) -> None:
    runs = st.session_state["runs"] = st.session_state.get("runs", 0) + 1  # new figures on each run
    st.title(title)
    frame = pd.DataFrame(
        {"单位": [f"单位{i:02d}" for i in range(1, 11)], measure: [(runs + i) % 10 / 10 for i in range(10)]}
    )
    st.vega_lite_chart(
        frame,
        {
            "mark": "bar",
            "encoding": {
                "y": {"field": "单位", "type": "nominal"},
                "x": {"field": measure, "type": "quantitative", "axis": {"format": ".0%"}},
            },
        },
        width="stretch",
    )
    st.dataframe(frame, hide_index=True)
    st.button("刷新")


def participation() -> None:
    _page("参学率", "参学率")


def certificates() -> None:
    _page("持证率", "持证率")


st.navigation([st.Page(participation, title="参学率"), st.Page(certificates, title="持证率")]).run()
