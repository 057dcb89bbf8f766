#!/usr/bin/env bash
# Install what the dashboard needs (once) and start it on its embedded defaults.
# Extra arguments go to `streamlit run`, e.g. --server.port 8080 --server.address 0.0.0.0
source "$(dirname "$0")/_venv.sh" requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
