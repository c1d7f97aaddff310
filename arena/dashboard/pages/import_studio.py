"""Import studio: choose a file and its source, check the detection, map, validate, import."""

import streamlit as st

from arena.ui import data, studio
from arena.ui.context import current_filters
from arena.ui.formatting import format_count
from arena.ui.session import current_user, studio_state

filters, user, state = current_filters(), current_user(), studio_state()
organization = filters.organization
st.title("Import a ticketing export")
st.caption(f"Into {filters.organization_name}. Nothing is written until you press **Import**.")

st.subheader("1 · File and source")
upload_col, sample_col = st.columns(2)
upload = upload_col.file_uploader("Upload a CSV export", type=["csv", "txt"], key="studio_upload")
samples = studio.sample_files()
sample = sample_col.selectbox(
    "…or try a sample export", [None, *samples], key="studio_sample",
    format_func=lambda path: "—" if path is None else path.name,
)
if upload is not None:
    file = studio.save_upload(upload.name, upload.getvalue())
elif sample is not None:
    file = studio.sample_file(sample)
else:
    st.info("Upload an export (UTF-8, Windows-1252 or Latin-1; `;`, `,` or tab) or pick a sample.")
    st.stop()

detected = studio.detect(file)
known_sources = data.sources(filters.organization_id)
new_source = "New source…"
picked = st.selectbox("Ticketing system (source)", [*known_sources, new_source],
                      key=f"studio_source_{filters.organization_id}")
if picked == new_source:
    picked = st.text_input("Name of the new source", value=studio.vendor_name(detected) or "csv",
                           key=f"studio_new_source_{file.key}").strip() or "csv"
source = picked

st.subheader("2 · What Arena detected")
enc, delim, head = st.columns(3)
encodings = list(dict.fromkeys([detected.layout.encoding, *studio.ENCODINGS]))
encoding = enc.selectbox("Encoding", encodings, key=f"studio_enc_{file.key}")
delimiters = list(dict.fromkeys([detected.layout.delimiter, *studio.DELIMITERS]))
delimiter = delim.selectbox("Delimiter", delimiters, key=f"studio_delim_{file.key}",
                            format_func=lambda d: studio.DELIMITERS.get(d, repr(d)))
header_line = head.number_input("Header on line", min_value=1, value=detected.layout.header_row + 1,
                                step=1, key=f"studio_header_{file.key}")
try:
    sample = studio.adjust(detected, encoding, delimiter, int(header_line) - 1)
except Exception as error:  # an override can make the file unreadable: say so, keep the page
    st.error(f"The file cannot be read this way: {error}")
    st.stop()
layout = sample.layout
vendor = studio.vendor_name(sample)
st.caption(
    f"{len(layout.headers)} columns"
    + (f" · looks like a **{vendor}** export" if vendor else "")
    + (f" · {len(layout.skipped_lines)} title line(s) above the header skipped"
       if layout.skipped_lines else "")
)
st.dataframe(studio.preview_frame(sample), width="stretch")

st.subheader("3 · Map the columns to Arena's fields")
suggestion = studio.suggestion_for(sample, organization, source)
if suggestion.from_template:
    st.success(f"The mapping saved for **{source}** and these columns was applied automatically.")
mapping_key = studio.fingerprint(file.key, filters.organization_id, source, layout.headers)[:12]
mapping = studio.mapping_editor(suggestion, mapping_key)
missing = studio.missing_message(mapping)
if missing:
    st.warning(missing, icon=":material/warning:")
    st.button("Save this mapping as a template", disabled=True, key="studio_template")
    st.stop()
plan = studio.plan(sample, organization, source, mapping, suggestion)
if st.button("Save this mapping as a template", key="studio_template"):
    studio.save_template(plan)
    st.toast(f"Template saved: the next {source} file with these columns is mapped the same way.")

st.subheader("4 · Validate")
run_key = studio.fingerprint(file.key, filters.organization_id, source, layout, mapping)
counted = None
if st.button("Validate every row", key="studio_validate"):
    report = studio.run(plan, user=user.username, dry_run=True)
    if report is not None:
        state["validation"] = (run_key, report)
validation = state.get("validation")
if validation and validation[0] == run_key:
    report = validation[1]
    counted = report.rows_read
    valid, rejected, warned = st.columns(3)
    valid.metric("Valid rows", format_count(report.rows_loaded))
    rejected.metric("Rejected rows", format_count(report.rows_rejected))
    warned.metric("Rows with warnings", format_count(studio.warned_rows(report)))
    if report.rejected:
        st.dataframe(studio.errors_by_code(report), hide_index=True, width="stretch")
        st.download_button(studio.rejected_download_label(report), studio.rejected_csv(report.rejected),
                           file_name=f"rejected-{file.path.stem}.csv", mime="text/csv")
    st.caption("Nothing has been written yet.")

st.subheader("5 · Import")
if st.button("Import", type="primary", key="studio_import"):
    report = studio.run(plan, user=user.username, dry_run=False, rows=counted)
    if report is not None:
        state["imported"] = (run_key, report)
imported = state.get("imported")
if imported and imported[0] == run_key:
    report = imported[1]
    added = report.added
    st.success(
        f"Imported {format_count(report.rows_loaded)} rows ({format_count(report.rows_rejected)} "
        f"rejected) in {report.seconds:.1f} s: {format_count(added.get('tickets'))} new tickets, "
        f"{format_count(added.get('customers'))} new customers, "
        f"{format_count(added.get('events'))} new events."
    )
    st.page_link("pages/overview.py", label="See the events and sales in the Overview", icon=":material/dashboard:")
    st.page_link("pages/import_history.py", label="See this import in the history", icon=":material/history:")
