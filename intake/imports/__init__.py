"""Import of advocates' existing lists (CSV and XLSX): reading, column mapping, a dry run with a
validation report per row, and fingerprints that make a second import of the same rows a no-op.

Pure: no Flask, no database. The import service later stores the plan's ready rows through the
same sealing path as form submissions, each with its `SourceAttribution`.
"""

from .mapping import TARGETS, Choice, Mapping, MappingError, confirm, suggest
from .plan import ImportPlan, PlannedRow, RowState, SourceAttribution, dry_run
from .reading import ENCODINGS, ImportFileError, Limits, Sheet, read_table

__all__ = ["ENCODINGS", "TARGETS", "Choice", "ImportFileError", "ImportPlan", "Limits", "Mapping", "MappingError",
           "PlannedRow", "RowState", "Sheet", "SourceAttribution", "confirm", "dry_run", "read_table", "suggest"]
