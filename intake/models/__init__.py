"""The data model, one module per aggregate. Importing this package registers every table."""

from .attachment import Attachment
from .audit import AuditEvent
from .base import Base
from .correction import FormClaim, Retraction, SavedView
from .export import Export, ExportStatus
from .keys import BlindIndex, RecordKey
from .message import Message, MessageKind
from .person import LinkKind, Person, PersonLinkEvent
from .report import SEALED_REPORT_FIELDS, Report, VerificationLevel
from .session import AuthSession  # noqa: F401 - server-side sign-in sessions
from .status import StatusEvent, StatusKind
from .submission import Submission, SubmissionStatus
from .tag import ReportTag, Tag
from .user import Role, User

__all__ = [
    "Attachment", "AuditEvent", "Base", "BlindIndex", "Export", "ExportStatus", "FormClaim", "LinkKind", "Message",
    "MessageKind", "Person", "PersonLinkEvent", "RecordKey", "Report", "Role", "SEALED_REPORT_FIELDS",
    "ReportTag", "Retraction", "SavedView", "StatusEvent", "StatusKind", "Submission", "SubmissionStatus", "Tag", "User",
    "VerificationLevel",
]
