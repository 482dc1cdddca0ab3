"""What a submission records and tells the others: its languages, its files, its fingerprint,
its event's payload, and what a new version changed."""
from shared.audit import fingerprint
from shared.contracts.fields import languages_of


def submission_languages(body: dict) -> list:
    texts = []
    for commitment in body["commitments"]:
        texts += [commitment["title"], commitment.get("full_text"), commitment.get("narrative")]
        texts += [evidence.get("description") for evidence in commitment.get("evidence", [])]
        texts += [milestone.get("title") for milestone in commitment.get("milestones", [])]
    co_creation = body.get("co_creation") or {}
    texts.append(co_creation.get("civil_society_participation"))
    return languages_of(*texts)


def evidence_file_ids(body: dict) -> list:
    return [evidence["file_id"] for commitment in body["commitments"] for evidence in commitment.get("evidence", [])
            if evidence.get("file_id")]


def attach_files(body: dict, files: dict) -> None:
    """Replace each file reference by what intake knows of the stored file (hash, type, size, URL)."""
    for commitment in body["commitments"]:
        for evidence in commitment.get("evidence", []):
            if evidence.get("file_id"):
                evidence.update(files[evidence["file_id"]])


def content_sha256(body: dict) -> str:
    """A fingerprint of exactly what was submitted; the audit trail keeps this, not the text."""
    return fingerprint(body)


def submitted_payload(*, self_assessment_id, case_id, member: dict, body: dict, languages: list, version: int) -> dict:
    return {
        "self_assessment_id": self_assessment_id,
        "case_id": case_id,
        "member": member,
        "action_plan": body["action_plan"],
        "languages": languages,
        "commitments": body["commitments"],
        "co_creation": body.get("co_creation"),
        "version": version,
    }


def changes_since(previous: dict | None, current: dict) -> dict:
    """What a new version changed against the previous one, commitment by commitment.

    {"added": [ids], "removed": [ids], "changed": {id: [fields]}, "co_creation_changed": bool}
    """
    if previous is None:
        return {"added": [c["commitment_id"] for c in current["commitments"]], "removed": [], "changed": {},
                "co_creation_changed": False}
    before = {c["commitment_id"]: c for c in previous["commitments"]}
    after = {c["commitment_id"]: c for c in current["commitments"]}
    changed = {}
    for commitment_id in after.keys() & before.keys():
        fields = sorted(name for name in set(before[commitment_id]) | set(after[commitment_id])
                        if fingerprint(before[commitment_id].get(name)) != fingerprint(after[commitment_id].get(name)))
        if fields:
            changed[commitment_id] = fields
    order = [c["commitment_id"] for c in current["commitments"]]
    return {
        "added": [cid for cid in order if cid not in before],
        "removed": [c["commitment_id"] for c in previous["commitments"] if c["commitment_id"] not in after],
        "changed": {cid: changed[cid] for cid in order if cid in changed},
        # No report is no report, whether stored as {} or sent as null.
        "co_creation_changed": fingerprint(previous.get("co_creation") or None) != fingerprint(current.get("co_creation") or None),
    }


def draft_id(member_code: str, plan_number: int) -> str:
    """The key of a plan's self-assessment draft: one per member and plan."""
    return f"{member_code}:{plan_number}"
