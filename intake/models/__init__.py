"""The data model, one module per aggregate. Importing this package registers every table."""

from .api_token import ApiToken
from .attachment import Attachment
from .audit import AuditCheckpoint, AuditEvent
from .base import Base
from .correction import FormClaim, Retraction, SavedView
from .dedup import CandidatePair, PairStatus
from .export import Export, ExportMember, ExportMemberChunk, ExportNotice, ExportStatus, StatisticsRun
from .imports import ImportedRow, ImportSource
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
    "ApiToken", "Attachment", "AuditCheckpoint", "AuditEvent", "Base", "BlindIndex", "CandidatePair", "PairStatus",
    "Export", "ExportMember", "ExportMemberChunk", "ExportNotice", "ExportStatus", "FormClaim", "ImportSource", "ImportedRow", "LinkKind",
    "Message", "MessageKind", "Person", "PersonLinkEvent", "RecordKey", "Report", "Retraction", "Role",
    "SEALED_REPORT_FIELDS", "ReportTag", "SavedView", "StatusEvent", "StatusKind", "Submission", "StatisticsRun",
    "SubmissionStatus", "Tag", "User",
    "VerificationLevel",
]
