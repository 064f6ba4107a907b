"""The Streamlit helpers the pages share, one concern a module (docs/ARCHITECTURE.md lists them).

Nothing is re-exported here: a page imports what it uses from the module that owns it
(``from dashboard.ui import filters, widgets``). Besides the entry (app.py) and the page scripts,
only these modules import Streamlit, so the metrics, charts and exports stay testable without a
browser. A module imports only modules before it in this order (no circle):
session, site, database, signin, cache, periods, filters, navigation, frame, widgets, scale,
tiles, matrices, upload, admin, roster_editor, campaign_editor, overview, evaluation.
"""
