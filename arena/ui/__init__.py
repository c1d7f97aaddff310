"""Streamlit-only helpers: cached services, session state, shared components."""
