"""The interface's names for the IRM's exact values (shared/irm.py), marked for translation.

The values stay as the IRM spells them (the pages show them too, and link and filter by
them); these are only what a reader sees beside them, translated by the page's catalog.
`N_` marks a string for extraction (make translations) without translating it here: the
template translates it in the page's language."""
from shared import irm


def N_(message: str) -> str:
    return message


INDICATOR_NAMES = dict(zip(irm.INDICATORS, (
    N_("Verifiability"), N_("Open government lens"), N_("Potential for results"), N_("Completion"),
    N_("Did it open government?"))))

VALUES = {
    "verifiability": dict(zip(irm.VERIFIABILITY, (N_("Verifiable"), N_("Not verifiable")))),
    "open_government_lens": dict(zip(irm.LENS_VALUES, (N_("Transparency"), N_("Participation"), N_("Accountability")))),
    "potential_for_results": dict(zip(irm.POTENTIAL_FOR_RESULTS, (N_("Unclear"), N_("Modest"), N_("Substantial")))),
    "completion": dict(zip(irm.COMPLETION, (N_("No evidence available"), N_("Not started"), N_("Limited"),
                                            N_("Substantial"), N_("Complete")))),
    "did_it_open_government": dict(zip(irm.DID_IT_OPEN_GOVERNMENT, (N_("Worsened"), N_("Did not change"), N_("Marginal"),
                                                                    N_("Major"), N_("Outstanding")))),
    "public_influence": dict(zip(irm.PUBLIC_INFLUENCE, (N_("Inform"), N_("Consult"), N_("Involve"), N_("Collaborate"),
                                                        N_("Empower")))),
    "contrary_to_process": dict(zip(irm.CONTRARY_TO_PROCESS_REASONS, (
        N_("No action plan within 12 months of the last one's end"), N_("Minimum co-creation requirements not met"),
        N_("No progress on any commitment")))),
    "kind": dict(zip(irm.MEMBER_KINDS, (N_("National"), N_("Local")))),
    "status": {"published": N_("Published"), "withdrawn": N_("Withdrawn")},
}


# The four dimensions a member's page compares across cycles (publication's FOUR_DIMENSIONS):
# the lens values by the names above, and ambition (a substantial potential for results).
DIMENSION_NAMES = {**VALUES["open_government_lens"], "ambition": N_("Ambition")}

# What a version of a finding is now, on a member's page (a replaced version stays readable).
VERSION_STATUS = {"published": N_("Published"), "withdrawn": N_("Withdrawn"), "superseded": N_("Replaced by a newer version")}


def value(scale: str, raw) -> str:
    """The name shown for `raw` on `scale`; the raw value itself if the scale does not know it."""
    return VALUES[scale].get(raw, str(raw))

# Who acts: the roles a token carries (shared/irm.py), and the services themselves.
ROLES = {**dict(zip(irm.ROLES, (N_("Government point of contact"), N_("IRM expert"), N_("IEP quality reviewer"),
                                N_("Administrator")))), "system": N_("The system"), "public": N_("Member of the public")}

# What was done: the audit trail's actions as the services record them. An action not named
# here is shown by its code alone.
ACTIONS = {
    "self_assessment.submitted": N_("Self-assessment submitted"),
    "review.assigned": N_("Assigned to an expert"),
    "review.reassigned": N_("Reassigned to another expert"),
    "review.declined": N_("Declined by the expert"),
    "review.deadline_missed": N_("Deadline missed"),
    "review.unassigned": N_("Unassigned"),
    "review.accepted": N_("Accepted by the expert"),
    "review.reminder_sent": N_("Reminder sent"),
    "rating.saved": N_("Rating saved"),
    "plan_assessment.saved": N_("Co-creation assessment saved"),
    "review.submitted": N_("Draft submitted for quality review"),
    "review.returned": N_("Returned by quality review"),
    "review.quality_approved": N_("Approved by quality review"),
    "government.commented": N_("Government comment"),
    "government.comment_answered": N_("Government comment answered"),
    "review.public_comment_opened": N_("Public comment period opened"),
    "public.commented": N_("Public comment"),
    "review.approved": N_("Approved for publication"),
    "finding.published": N_("Finding published"),
    "finding.withdrawn": N_("Finding withdrawn"),
    "review.correction_opened": N_("Correction opened"),
}

# When withheld content becomes public (shared/disclosure.py's moments).
WITHHELD_UNTIL = {"public_comment": N_("Sealed until the public comment period opens"),
                  "publication": N_("Sealed until publication"), "never": N_("Sealed for good (confidential)")}


def named(table: dict, key) -> str | None:
    return table.get(key)
