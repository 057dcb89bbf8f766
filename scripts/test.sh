#!/usr/bin/env bash
# Install what the tests need (once) and run the whole suite, browser tests included.
# Extra arguments go to pytest, e.g. -m "not browser" or -k map.
source "$(dirname "$0")/_venv.sh" requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
