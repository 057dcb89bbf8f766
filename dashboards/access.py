"""Who may change the data: editors, who know the editor secret.

The secret comes from Streamlit secrets (`editor_secret` in .streamlit/secrets.toml)
or the DASHBOARD_EDITOR_SECRET environment variable. There is no default: with no
secret configured, nobody can upload or revert from the page.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

ENV_VAR = "DASHBOARD_EDITOR_SECRET"
SECRETS_KEY = "editor_secret"


def configured_secret(secrets: Mapping | None = None) -> str | None:
    """The editor secret, or None when none is configured (an empty value counts as none)."""
    value = os.environ.get(ENV_VAR, "")
    if not value and secrets is not None:
        try:
            value = str(secrets.get(SECRETS_KEY, "") or "")
        except Exception:  # noqa: BLE001 - Streamlit raises when there is no secrets file at all
            value = ""
    return value.strip() or None


def is_editor(given: str | None, secret: str | None) -> bool:
    """True only when a secret is configured and `given` equals it (compared in constant time)."""
    if not secret or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8"))
