"""mail: the mails events call for, through a real SMTP server (SMTP_URL).

Consumed events
  accounts person.invited             the invitation, in the invited person's language
  accounts password_reset.requested   the reset link, in the person's language
  review   review.assigned            the expert (the person bound to the registry entry), with the accept deadline;
                                      and the member's points of contact (a stage notice)
  review   review.submitted, .quality_approved, .public_comment_opened, .correction_opened;
  publication finding.published       the stage notices (domain/notices.py: who is told of what; each person
                                      may turn any of them off)
A timer sends the pending mails (handlers.py: claim, send outside any transaction, record), retrying
with a growing delay and parking a mail that keeps failing (domain/delivery.py). No API of its own:
/health and /metrics (gauge irm_mail_messages), and `irmctl mail list [--failed]`.
"""
import structlog
from nameko.timer import timer

from services.mail import documents, handlers, queries, smtp
from services.mail import metrics as mail_metrics
from services.mail.dependencies import MailSettings
from shared import service_shell
from shared.clock import utcnow
from shared.contracts.events import (
    FINDING_PUBLISHED, PASSWORD_RESET_REQUESTED, PERSON_INVITED, REVIEW_ASSIGNED, REVIEW_CORRECTION_OPENED,
    REVIEW_DEADLINE_MISSED, REVIEW_PUBLIC_COMMENT_OPENED, REVIEW_QUALITY_APPROVED, REVIEW_REMINDED, REVIEW_SUBMITTED,
)
from shared.logging import bind_correlation
from shared.service_shell import Store, consumes

log = structlog.get_logger("irm.mail")


class MailService(service_shell.ServiceShell):
    name = "mail"

    store = Store(documents=documents.ALL)
    config = MailSettings()
    metric_gauges = (mail_metrics.gauges,)

    @consumes(PERSON_INVITED)
    def on_person_invited(self, event, uow):
        handlers.record_link_mail(uow, "invitation", event.event_id, event.payload, self.config.composer.secret, utcnow())

    @consumes(PASSWORD_RESET_REQUESTED)
    def on_password_reset_requested(self, event, uow):
        handlers.record_link_mail(uow, "password_reset", event.event_id, event.payload, self.config.composer.secret,
                                  utcnow())

    @consumes(REVIEW_ASSIGNED)
    def on_review_assigned(self, event, uow):
        handlers.record_assignment_mail(uow, event.event_id, event.payload, utcnow())
        handlers.record_notices(uow, event.event_type, event.event_id, event.payload, utcnow())

    @consumes(REVIEW_SUBMITTED)
    def on_review_submitted(self, event, uow):
        handlers.record_notices(uow, event.event_type, event.event_id, event.payload, utcnow())

    @consumes(REVIEW_QUALITY_APPROVED)
    def on_review_quality_approved(self, event, uow):
        handlers.record_notices(uow, event.event_type, event.event_id, event.payload, utcnow())

    @consumes(REVIEW_PUBLIC_COMMENT_OPENED)
    def on_public_comment_opened(self, event, uow):
        handlers.record_notices(uow, event.event_type, event.event_id, event.payload, utcnow())

    @consumes(REVIEW_CORRECTION_OPENED)
    def on_correction_opened(self, event, uow):
        handlers.record_notices(uow, event.event_type, event.event_id, event.payload, utcnow())

    @consumes(FINDING_PUBLISHED)
    def on_finding_published(self, event, uow):
        handlers.record_notices(uow, event.event_type, event.event_id, event.payload, utcnow())

    @consumes(REVIEW_REMINDED)
    def on_review_reminded(self, event, uow):
        handlers.record_notices(uow, event.event_type, event.event_id, event.payload, utcnow())

    @consumes(REVIEW_DEADLINE_MISSED)
    def on_deadline_missed(self, event, uow):
        handlers.record_notices(uow, event.event_type, event.event_id, event.payload, utcnow())

    @timer(interval=1)
    def send_pending(self):
        """Hand each due mail to the SMTP server, one at a time (a claim keeps a second sender off it)."""
        for mail in queries.due(utcnow()):
            bind_correlation(mail.event_id, service=self.name, mail_id=mail.mail_id)
            if not self.store.run(lambda uow: handlers.claim(uow, mail, utcnow())):
                continue
            try:
                if handlers.expired(mail, utcnow()):
                    raise smtp.SendFailed("the link expired before the mail could be sent", permanent=True)
                smtp.send(self.config.server, handlers.compose(mail, self.config.composer), self.config.timeout)
            except (smtp.SendFailed, handlers.CannotCompose) as exc:
                permanent = getattr(exc, "permanent", True)
                after = self.store.run(lambda uow: handlers.record_failure(uow, mail, str(exc), utcnow(),
                                                                           self.config.max_attempts, permanent))
                log.warning("mail_not_sent", error=str(exc), attempts=after.attempts, status=after.status)
                continue
            self.store.run(lambda uow: handlers.record_sent(uow, mail, utcnow()))
            log.info("mail_sent", kind=mail.kind, attempts=mail.attempts + 1)
