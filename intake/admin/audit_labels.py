"""The audit log's action and object codes as words an administrator reads in the page's language.

The codes are what the log stores and what `flask audit` prints; the page shows the words and keeps
the code beside them (an admin may need it to search the log or tell an operator). A code not
listed here (a new action) is shown as it is.
"""

from __future__ import annotations

from typing import Any

from ..web.i18n import lazy_gettext as _l

ACTIONS = {
    "api_token.create": _l("API token created"), "api_token.revoke": _l("API token revoked"),
    "attachment.view": _l("file viewed"), "attachment.clean": _l("file's clean copy opened"),
    "attachment.original": _l("original file downloaded"),
    "auth.login": _l("signed in"), "auth.login_failed": _l("sign-in refused"), "auth.logout": _l("signed out"),
    "auth.totp_failed": _l("wrong sign-in code"),
    "dedup.run": _l("duplicates searched"), "dedup.train": _l("matcher trained"),
    "duplicates.view": _l("possible duplicate opened"), "duplicates.accept": _l("duplicate accepted"),
    "duplicates.reject": _l("duplicate rejected"), "duplicates.defer": _l("duplicate deferred"),
    "duplicates.undo": _l("duplicate decision undone"), "duplicates.reopen": _l("duplicate rejection undone"),
    "export.proposed": _l("export proposed"), "export.approved": _l("export approved"),
    "export.built": _l("export built"), "export.failed": _l("export failed"),
    "export.downloaded": _l("export file downloaded"), "export.withdrawal_notice": _l("withdrawal notice due"),
    "export.notice_sent": _l("withdrawal notice sent"), "export.assigned": _l("export assigned to a researcher account"),
    "import.dry_run": _l("list checked"), "import.stored": _l("list imported"),
    "inbox.take_in": _l("reports taken in"), "inbox.view": _l("inbox opened"),
    "index.rebuild": _l("search index rebuilt"),
    "integrity.seal": _l("integrity seals added"), "integrity.backfill": _l("integrity seals added to old rows"),
    "keys.add": _l("key added"), "keys.rotate": _l("keys rotated"), "keys.retire": _l("key retired"),
    "keys.destroy": _l("key destroyed"),
    "message.reply": _l("reply sent to the family"),
    "person.view": _l("person opened"), "person.link": _l("report linked to a person"),
    "person.merge": _l("persons merged"), "person.join": _l("reports joined into one person"),
    "person.split": _l("report split from its person"), "person.undo": _l("person change undone"),
    "report.view": _l("report opened"), "report.assign": _l("report assigned"), "report.note": _l("note added"),
    "report.retract": _l("entry retracted"), "report.status_event": _l("status event added"),
    "report.tag_add": _l("tag added"), "report.tag_remove": _l("tag removed"),
    "report.verification": _l("verification level set"),
    "search": _l("search"),
    "statistics.computed": _l("statistics counted"), "statistics.published": _l("statistics published"),
    "submission.status": _l("status changed"), "submission.withdrawn": _l("withdrawn by the family"),
    "user.create": _l("account created"), "user.invite": _l("account invited"),
    "user.password_set": _l("password set"), "user.totp_enrolled": _l("second factor set up"),
    "user.disable": _l("account disabled"), "user.enable": _l("account enabled"),
}

OBJECTS = {
    "api_token": _l("API token"), "attachment": _l("file"), "blind_index": _l("search index"),
    "candidate_pair": _l("possible duplicate"), "export": _l("export"), "file": _l("file"),
    "import_source": _l("imported list"), "link_batch": _l("person change"), "person": _l("person"),
    "report": _l("report"), "statistics": _l("statistics"), "submission": _l("submission"),
    "user": _l("account"),
}


def action_label(code: Any) -> str:
    """An audit action code (report.view) in the page's language; an unknown code as it is."""
    return str(ACTIONS.get(str(code), code))


def object_label(code: Any) -> str:
    return str(OBJECTS.get(str(code), code))
