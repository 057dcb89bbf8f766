"""Pure functions from view-model frames to maps, tables and text."""
