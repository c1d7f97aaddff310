"""Prospection: consent, control groups, campaign outcomes, attribution, uplift and exports.

Pure logic and edge adapters only (no Streamlit, no SQLAlchemy). The campaign tables, the
`arena campaign` commands and the pages call these modules; `docs/prospection.md` lists the
functions they call and the method in plain words.
"""
