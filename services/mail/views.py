"""How a mail reads: its subject and its two parts, in the recipient's language; and a mail as irmctl lists it.

Templates are in templates/ (plain text and HTML of each kind), their strings in translations/<lang>/
LC_MESSAGES/messages.po, compiled in memory as the public pages' are (services/web/i18n.py's `catalog`,
the same code). HTML is autoescaped; the plain-text part is rendered without escaping (it is not HTML).
"""
import functools
from pathlib import Path

import jinja2
from babel import Locale

from services.accounts import views as accounts_views
from services.mail.domain.message import Rendered
from services.web.i18n import catalog, moment_in
from shared.clock import iso

HERE = Path(__file__).resolve().parent
TEMPLATES, TRANSLATIONS = HERE / "templates", HERE / "translations"
from services.mail.domain.notices import INVITATION, KINDS, LINK_KINDS, OPTIONAL, PASSWORD_RESET, REVIEW_ASSIGNED
from services.web import views as pages


def N_(message: str) -> str:  # marked for extraction, translated where shown
    return message


SUBJECTS = {INVITATION: N_("Your invitation to irm-review"), PASSWORD_RESET: N_("Reset your irm-review password"),
            REVIEW_ASSIGNED: N_("A review is assigned to you"),
            "case_assigned": N_("An expert was assigned to review your self-assessment"),
            "government_review_opened": N_("The draft report is ready for the government's comments"),
            "public_comment_opened": N_("The draft report is open for public comment"),
            "finding_published": N_("The IRM's report on your action plan is published"),
            "correction_opened": N_("A published IRM report is being corrected"),
            "quality_review_waiting": N_("A review is waiting for quality review"),
            "deadline_reminder": N_("Reminder: a deadline of your review is near"),
            "deadline_missed": N_("A review was taken back: its deadline passed")}
# What the expert had to do by a deadline, as the reminder names it (review's EXPERT_STAGES).
STAGE_TASKS = {"assigned": N_("accept or decline the case"), "in_review": N_("submit your draft review")}
ROLE_NAMES = {"poc": N_("the government's point of contact"), "expert": N_("an expert reviewer"),
              "quality_reviewer": N_("a quality reviewer"), "admin": N_("an administrator")}


@functools.lru_cache(maxsize=None)
def translations(language: str):
    return catalog(language, TRANSLATIONS)


@functools.lru_cache(maxsize=None)
def environment(language: str, html: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=html, keep_trailing_newline=True,
                             extensions=["jinja2.ext.i18n"], undefined=jinja2.StrictUndefined)
    env.install_gettext_translations(translations(language), newstyle=True)
    env.globals.update(language=language, direction=Locale.parse(language).text_direction)
    return env


# A notice's page: the public draft while it is open to comment, the case's public record once it is published
# (the pages' own paths, services/web/views.py); any other, the site's home (sign in from there).
CASE_PAGES = {"public_comment_opened": pages.draft_path, "finding_published": pages.timeline_path,
              "correction_opened": pages.timeline_path, REVIEW_ASSIGNED: pages.expert_inbox_path,
              "deadline_reminder": pages.expert_inbox_path, "deadline_missed": pages.expert_inbox_path}
ACTIONS = {"public_comment_opened": (N_("Read the draft and comment on it:"), N_("Read the draft")),
           "finding_published": (N_("Read the report's public record:"), N_("Read the public record")),
           "correction_opened": (N_("Follow the case's public record:"), N_("Read the public record")),
           "deadline_reminder": (N_("Open the case from your inbox:"), N_("Open your inbox")),
           "deadline_missed": (N_("Your other cases are in your inbox:"), N_("Open your inbox"))}
SIGN_IN_ACTION = (N_("Sign in to irm-review to see the case:"), N_("Sign in"))


def link(public_base_url: str, kind: str, token: str | None, language: str, case_id: str = "") -> str:
    """The page that opens the link (accounts' LINK_PAGES), under the recipient's language as every page is (/fr/...);
    a notice's case page; for any other mail, the site's home in that language (sign in from there)."""
    base = public_base_url.rstrip("/")
    if kind in LINK_KINDS:
        return f"{base}/{language}{accounts_views.LINK_PAGES[kind]}?token={token}"
    if kind in CASE_PAGES and case_id:
        return base + CASE_PAGES[kind](case_id, language)
    return f"{base}/{language}/"


def render(kind: str, language: str, recipient: str, link_url: str, moment, role: str | None = None,
           member: str = "", case_id: str = "", stage: str | None = None, time_zone: str | None = None) -> Rendered:
    """`moment`: when the link expires, or the deadline the mail names (in the language's long form, in
    `time_zone` when given, the member's, else UTC; the form names its zone); None for a notice that names none."""
    if kind not in KINDS:
        raise ValueError(f"no mail of kind {kind!r}")
    gettext = translations(language).gettext
    values = {"recipient": recipient, "link": link_url, "subject": gettext(SUBJECTS[kind]),
              "expires": moment_in(moment, language, time_zone) if moment else "",
              "role_name": gettext(ROLE_NAMES[role]) if role else "", "member": member, "case_id": case_id,
              "task": gettext(STAGE_TASKS[stage]) if stage in STAGE_TASKS else ""}
    template = "notice" if kind in OPTIONAL else kind  # the stage notices share one template, a paragraph each
    action, link_label = ACTIONS.get(kind, SIGN_IN_ACTION)
    values.update(kind=kind, action=gettext(action), link_label=gettext(link_label))
    text = environment(language, False).get_template(f"{template}.txt").render(**values)
    html = environment(language, True).get_template(f"{template}.html").render(**values)
    return Rendered(values["subject"], text, html, language)


def mail_view(mail) -> dict:
    """A mail as `irmctl mail list` shows it: never its link."""
    return {"mail_id": mail.mail_id, "kind": mail.kind, "recipient": mail.recipient, "language": mail.language,
            "status": mail.status, "attempts": mail.attempts, "last_error": mail.last_error,
            "created_at": iso(mail.created_at), "sent_at": iso(mail.sent_at) if mail.sent_at else None,
            "next_attempt_at": iso(mail.next_attempt_at) if mail.next_attempt_at else None}
