"""Run the dashboard from a source checkout: `streamlit run app.py`.

The dashboard ships inside the package (`arena/dashboard/app.py` and its `pages/`), so that an
installed Arena runs it as well (`arena run`). This file hands over to it; `pages` here is a link to
`arena/dashboard/pages`, so page paths written relative to the app resolve from either place.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent / "arena" / "dashboard" / "app.py"))
