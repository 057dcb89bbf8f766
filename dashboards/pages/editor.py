"""The editor sign-in shared by the Upload and History pages."""

from __future__ import annotations

import streamlit as st

from ..access import ENV_VAR, SECRETS_KEY, configured_secret, is_editor


def signed_in() -> bool:
    """Show the sign-in (or how to configure one) unless this session already signed in as editor."""
    secret = configured_secret(st.secrets)
    if secret is None:
        st.info(
            "Uploads and reverts are open to editors only, and no editor secret is configured on this server. "
            f"To enable them, set the environment variable `{ENV_VAR}` before starting the dashboard, or put "
            f'`{SECRETS_KEY} = "a long random phrase"` in `.streamlit/secrets.toml`; then share the phrase with '
            "your editors (never in a link)."
        )
        return False
    if st.session_state.get("editor") and is_editor(st.session_state.get("editor_secret"), secret):
        return True
    with st.form("sign_in"):
        given = st.text_input("Editor secret", type="password")
        if st.form_submit_button("Sign in as editor"):
            if is_editor(given, secret):
                st.session_state["editor"] = True
                st.session_state["editor_secret"] = given
                st.rerun()
            st.error("That is not the editor secret.")
    return False
