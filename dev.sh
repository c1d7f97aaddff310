#!/usr/bin/env bash
# Arena's two commands on a fresh machine with Python 3.11:
#   ./dev.sh run    installs what is needed, then launches the dashboard (SQLite + demo data)
#   ./dev.sh test   installs what is needed, then runs lint, import contracts, types and all tests
# The virtual environment lives in .venv and is refreshed whenever a requirements file changes.
set -euo pipefail
cd "$(dirname "$0")"

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
      echo "$candidate"
      return
    fi
  done
  echo "Arena needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
  exit 1
}

ensure_environment() {
  local requirements=$1
  if [ ! -x .venv/bin/python ]; then
    "$(pick_python)" -m venv .venv
  fi
  local stamp=".venv/.arena-stamp-$(basename "$requirements" .txt)"
  local wanted
  wanted=$(cat requirements*.txt pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing Arena's dependencies into .venv (first run, or requirements changed)..."
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$requirements"
    .venv/bin/python -m pip install --quiet --no-deps -e .
    echo "$wanted" >"$stamp"
  fi
}

command=${1:-help}
shift || true
case "$command" in
  run)
    ensure_environment requirements.txt
    exec .venv/bin/arena run "$@"
    ;;
  test)
    ensure_environment requirements-dev.txt
    echo "== ruff"
    .venv/bin/ruff check .
    echo "== import contracts"
    .venv/bin/lint-imports
    echo "== types (the arena package; pages/ are thin Streamlit views)"
    .venv/bin/mypy arena
    echo "== pytest"
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh run [--port N] | ./dev.sh test [pytest arguments]" >&2
    exit 2
    ;;
esac
