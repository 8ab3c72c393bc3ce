"""Data files shipped with the package (places.json, thesauri.json)."""
