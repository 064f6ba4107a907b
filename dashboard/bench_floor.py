"""The floor of ``bench --browser``: a bare Streamlit page with what every page of the app shows
at least (a heading, one Vega-Lite chart, one table) and a button that reruns it with other
figures (the chart and the table drawn again), served and timed like the app's pages. No store,
no sign-in, none of the app's code: what a page costs in this Streamlit and this browser before
the app does any work of its own, printed beside the goal lines."""

import pandas as pd
import streamlit as st

runs = st.session_state["runs"] = st.session_state.get("runs", 0) + 1  # new figures on each rerun
st.title("参学率")
frame = pd.DataFrame(
    {"单位": [f"单位{i:02d}" for i in range(1, 11)], "参学率": [(runs + i) % 10 / 10 for i in range(10)]}
)
st.vega_lite_chart(
    frame,
    {
        "mark": "bar",
        "encoding": {
            "y": {"field": "单位", "type": "nominal"},
            "x": {"field": "参学率", "type": "quantitative", "axis": {"format": ".0%"}},
        },
    },
    width="stretch",
)
st.dataframe(frame, hide_index=True)
st.button("刷新")
