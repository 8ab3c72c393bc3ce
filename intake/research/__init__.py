"""The research face: anonymised exports only."""
