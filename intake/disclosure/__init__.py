"""Anonymised releases: hierarchies, recoding search, risk measures, writers, signed manifests,
statistics with small-cell protection and differentially private counts.

Pure: no Flask, no database, no keystore. Callers feed plaintext rows from the bulk decryption
path and pass the signing key; this package decides what may leave and writes it.
"""

from .columns import INPUT_COLUMNS, DisallowedColumn
from .recoding import NotAnonymisable, Policy
from .release import Release, build_release

__all__ = ["INPUT_COLUMNS", "DisallowedColumn", "NotAnonymisable", "Policy", "Release", "build_release"]
