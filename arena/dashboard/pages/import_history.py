"""Import history: every import with who, when, what and how it went; details and undo."""

import streamlit as st

from arena.ui import data
from arena.ui.components import empty_state, import_table_config
from arena.ui.context import current_filters
from arena.ui.formatting import format_count
from arena.ui.session import flash, pop_flashes
from arena.ui.studio import rejected_csv

filters = current_filters()
st.title("Import history")
st.caption(f"Every file imported into {filters.organization_name}, newest first.")

history = data.imports_of(filters.organization)
if history.empty:
    empty_state("No import yet.", "Import a ticketing export on the **Import** page.")
    st.stop()

st.dataframe(history, column_config=import_table_config(), hide_index=True,
             width="stretch")

labels = {
    row.id: f"#{row.id} · {row.file_name} · {row.status}" for row in history.itertuples()
}
import_id = st.selectbox("Details of import", list(labels), format_func=labels.get,
                         key="history_import")
chosen = history.set_index("id").loc[import_id]
loaded, rejected, warned = st.columns(3)
loaded.metric("Rows loaded", format_count(chosen["rows_loaded"]))
rejected.metric("Rows rejected", format_count(chosen["rows_rejected"]))
warned.metric("Rows with warnings", format_count(chosen["rows_warned"]))
if chosen["message"]:
    st.caption(chosen["message"])

rejected_rows, warning_rows = st.tabs(["Rejected rows", "Warnings"])
with rejected_rows:
    rows = data.rejected_rows(filters.organization, int(import_id))
    if not rows:
        st.write("No row was rejected.")
    else:
        st.dataframe(data.flatten_rejected(rows), hide_index=True, width="stretch")
        st.download_button(
            "Download the rejected rows (CSV)",
            rejected_csv(rows),
            file_name=f"rejected-import-{import_id}.csv",
            mime="text/csv",
        )
with warning_rows:
    notes = data.warnings(filters.organization, int(import_id))
    if notes.empty:
        st.write("No warning.")
    else:
        st.dataframe(notes, hide_index=True, width="stretch")

if chosen["status"] == "completed":
    st.subheader("Undo this import")
    st.write(
        "Removes the tickets this import added, and the customers, orders and events that "
        "nothing else uses any more. The import stays in the history, marked as undone."
    )
    confirmed = st.checkbox(
        f"Yes, remove what import #{import_id} ({chosen['file_name']}) added",
        key=f"history_confirm_{import_id}",
    )
    if st.button("Undo the import", disabled=not confirmed, key="history_undo"):
        removed = data.undo(filters.organization, int(import_id))
        flash(f"Import #{import_id} undone: {format_count(removed.get('tickets'))} tickets removed.")
        st.rerun()
for message in pop_flashes():
    st.success(message)
