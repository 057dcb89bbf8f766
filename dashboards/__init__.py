"""Displacement and territorial-control dashboard for eastern DR Congo."""
