"""Independent check of an export, run as a separate process: reads every data file with pandas
and measures it with pycanon, knowing nothing of intake but the file names and column roles.

    python pycanon_check.py EXPORT_DIR  ->  JSON on stdout, one entry per file
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
from pycanon import anonymity
from pycanon.anonymity.utils import aux_anonymity

PSEUDONYM, SENSITIVE = "person", "status"
IDENTIFYING = re.compile(r"name|id_?number|passport|phone|address|testimony|note|contact|handle|email", re.I)


def read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if path.suffix == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))
        return pd.DataFrame(document["rows"], columns=document["columns"])
    if path.suffix == ".parquet":
        return pd.read_parquet(path).astype(str)
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    return pd.concat([frame for name, frame in sheets.items() if name.startswith("persons")], ignore_index=True)


def check(frame: pd.DataFrame) -> dict[str, object]:
    qi = [c for c in frame.columns if c != PSEUDONYM]
    others = [c for c in qi if c != SENSITIVE]
    classes = aux_anonymity.get_equiv_class(frame, qi)
    values = frame[qi].astype(str)
    return {
        "rows": len(frame),
        "columns": list(frame.columns),
        "k": int(anonymity.k_anonymity(frame, qi)),
        "l": int(anonymity.l_diversity(frame, others, [SENSITIVE])),
        "average_risk": len(classes) / len(frame),  # record-weighted: each person 1/|class|, averaged
        "class_average_risk": float(sum(1 / len(c) for c in classes) / len(classes)),
        "empty_cells": int((values == "").sum().sum() + frame.isna().sum().sum()),
        "identifying_columns": [c for c in frame.columns if IDENTIFYING.search(c)],
        "free_text_columns": [c for c in qi if frame[c].nunique() > 300 or values[c].str.len().max() > 60],
        "dates_or_id_numbers": int(values.apply(lambda s: s.str.contains(r"\d{4}-\d{2}-\d{2}|\d{15,18}")).sum().sum()),
        "pseudonyms_unique": bool(frame[PSEUDONYM].is_unique),
        "pseudonyms_random_looking": bool(frame[PSEUDONYM].str.fullmatch(r"[0-9a-f]{20}").all()),
    }


if __name__ == "__main__":
    directory = Path(sys.argv[1])
    results = {p.name: check(read(p)) for p in sorted(directory.iterdir())
               if p.name.startswith("persons.")}
    print(json.dumps(results))
