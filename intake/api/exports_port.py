"""The three export operations the API needs, behind one name.

`intake.services.exports` (the exports work) provides `released_exports`, `export_file` and
`record_download`; until it is merged, the fallbacks below do the same against the Export model:
released exports only, files named in the signed manifest only, found under
INTAKE_EXPORT_DIR/<export id>/, and each download audited.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import Export, ExportStatus
from ..services import audit
from ..services.errors import NotFound

try:  # pragma: no cover - depends on what is merged
    from ..services.exports import export_file, record_download, released_exports  # type: ignore[attr-defined]
except ImportError:

    def released_exports(session: Session) -> list[Export]:
        return list(session.scalars(select(Export).where(Export.status == ExportStatus.RELEASED.value)
                                    .order_by(Export.created_at.desc())))

    def export_file(session: Session, export_id: uuid.UUID, filename: str) -> Path:
        export = session.get(Export, export_id)
        if export is None or export.status != ExportStatus.RELEASED.value:
            raise NotFound("no such export")
        if filename not in file_names(export):
            raise NotFound("no such file in this export")
        root = current_app.config.get("INTAKE_EXPORT_DIR")
        if not root:
            raise NotFound("exports are not stored on this server")
        path = Path(root) / str(export.id) / filename
        if not path.is_file():
            raise NotFound("the file is missing")
        return path

    def record_download(session: Session, vault: Vault, export_id: uuid.UUID, filename: str, actor: str) -> None:
        audit.record(session, vault, actor=actor, action="export.download", object_type="export",
                     object_id=str(export_id), details={"file": filename if audit_safe(filename) else None})
        session.commit()


def file_names(export: Export) -> list[str]:
    """The files the export's manifest lists (and so the only ones that may be downloaded)."""
    files: Any = (export.manifest or {}).get("files") or {}
    names = list(files) if isinstance(files, dict) else [f.get("name") for f in files if isinstance(f, dict)]
    return sorted(n for n in names if isinstance(n, str) and n and "/" not in n and "\\" not in n and n not in ("..", "."))


def audit_safe(name: str) -> bool:
    return len(name) <= 80 and all(c.isalnum() or c in "_.:-" for c in name)
