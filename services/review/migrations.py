"""Review's data migrations (`irmctl migrate ...`): each safe to run again."""
from services.review import documents


def move_embedded_comments() -> int:
    """Cases stored before comments had their own collection kept them in two lists, which
    this version cannot read: move them out (round 1, in their order) and set the counters.
    Safe to run again (`irmctl migrate comments`); returns the cases moved."""
    cases, comments, moved = documents.Case._get_collection(), documents.Comment._get_collection(), 0
    for raw in cases.find({"$or": [{"government_comments": {"$exists": True}}, {"public_comments": {"$exists": True}}]},
                          {"government_comments": 1, "public_comments": 1}):
        counts = {}
        for kind in ("government", "public"):
            embedded = raw.get(f"{kind}_comments") or []
            counts[f"{kind}_comment_count"] = len(embedded)
            for seq, comment in enumerate(embedded, 1):
                stored = {"_id": comment["comment_id"], "case_id": raw["_id"], "round": 1, "kind": kind, "seq": seq,
                          **{key: value for key, value in comment.items() if key != "comment_id"}}
                comments.replace_one({"_id": stored["_id"]}, stored, upsert=True)
        cases.update_one({"_id": raw["_id"]}, {"$set": {"comment_round": 1, **counts},
                                                "$unset": {"government_comments": "", "public_comments": ""}})
        moved += 1
    return moved
