"""The dashboard's web server: ``streamlit run serve.py`` (what ``make run`` does).

Streamlit serves the app (``dashboard/app.py``) as usual; ``dashboard.server`` adds the route that
sets the sign-in cookie HttpOnly and the guard that keeps Streamlit's upload endpoint closed to
visitors who have not signed in as a reporter or administrator. ``streamlit run`` finds ``app``
below by itself (Streamlit ≥ 1.53); ``streamlit run dashboard/app.py`` still works, without both.
"""

import streamlit as st

# briefing … vega: what the pages need, imported while the server starts (pandas, Altair,
# SQLAlchemy: about 1.8 s on a 2-core machine) instead of during the first visitor's first page.
# Not dashboard.ui: its st.cache_data functions belong to the running app.
from dashboard import briefing, charts, evaluation, exports, metrics, server, vega  # noqa: F401

app = st.App("dashboard/app.py", routes=server.routes(), middleware=server.middleware())
