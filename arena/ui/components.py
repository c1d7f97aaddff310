"""Small reusable pieces of page layout: empty states and table column formats."""

from __future__ import annotations

import streamlit as st


def empty_state(headline: str, next_step: str) -> None:
    """An empty page that says why it is empty and what to do next, never a blank screen."""
    st.info(f"**{headline}**\n\n{next_step}", icon=":material/lightbulb:")


def event_table_config() -> dict:  # type: ignore[type-arg]
    """Column formats of the per-event table: dates, thousands separators, euros, percentages.

    Streamlit's `localized` formats follow the reader's browser locale, so a French browser sees
    `1 234,50 €`; the table stays sortable because the values stay numbers.
    """
    return {
        "event_id": None,
        "date": st.column_config.DatetimeColumn("Date", format="DD/MM/YYYY HH:mm"),
        "event": st.column_config.TextColumn("Event"),
        "venue": st.column_config.TextColumn("Venue"),
        "sold": st.column_config.NumberColumn("Sold", format="localized"),
        "capacity": st.column_config.NumberColumn("Capacity", format="localized"),
        "fill_rate": st.column_config.ProgressColumn(
            "Fill rate", format="percent", min_value=0.0, max_value=1.0
        ),
        "revenue": st.column_config.NumberColumn("Revenue (€)", format="euro"),
    }


def import_table_config() -> dict:  # type: ignore[type-arg]
    """Column formats of the import history table."""
    return {
        "id": st.column_config.NumberColumn("#", format="%d"),
        "created_at": st.column_config.DatetimeColumn("When", format="DD/MM/YYYY HH:mm"),
        "created_by": st.column_config.TextColumn("Who"),
        "file_name": st.column_config.TextColumn("File"),
        "source": st.column_config.TextColumn("Source"),
        "status": st.column_config.TextColumn("Status"),
        "rows_read": st.column_config.NumberColumn("Read", format="localized"),
        "rows_loaded": st.column_config.NumberColumn("Loaded", format="localized"),
        "rows_rejected": st.column_config.NumberColumn("Rejected", format="localized"),
        "rows_warned": st.column_config.NumberColumn("Warnings", format="localized"),
        "message": st.column_config.TextColumn("Summary"),
        "finished_at": None,
    }
