"""The dashboard's web server: ``streamlit run serve.py`` (what ``make run`` does).

Streamlit serves the app (``dashboard/app.py``) as usual; ``dashboard.server`` adds the route that
sets the sign-in cookie HttpOnly and the guard that keeps Streamlit's upload endpoint closed to
visitors who have not signed in as a reporter or administrator. ``streamlit run`` finds ``app``
below by itself (Streamlit ≥ 1.53); ``streamlit run dashboard/app.py`` still works, without both.
"""

import streamlit as st

from dashboard import server

app = st.App("dashboard/app.py", routes=server.routes(), middleware=server.middleware())
