"""Names, places and ID numbers across scripts: the pure part of deduplication (no Flask, no
database, no I/O beyond the package's own data files).

The public interface is re-exported here; see prepare.py for records, names.py for names,
places.py for places and ids.py for ID numbers.
"""

from .ids import IdNumber, id_relation
from .name_match import explain, same_name_level
from .names import NameKey, name_key
from .places import PlaceMatch, resolve_place
from .prepare import RAW_FIELDS, PreparedRecord, blocking_values, prepare, prepare_report
from .scripts import detect as detect_script

__all__ = ["RAW_FIELDS", "IdNumber", "NameKey", "PlaceMatch", "PreparedRecord", "blocking_values",
           "detect_script", "explain", "id_relation", "name_key", "prepare", "prepare_report",
           "resolve_place", "same_name_level"]
