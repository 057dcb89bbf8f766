"""Thin Streamlit pages: read the state, call builders, render."""
