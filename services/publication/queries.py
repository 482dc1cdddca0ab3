"""Publication's reads: the findings lists, feeds and the log's leaves and checkpoints."""
from services.publication import documents, paging, positions, views
from services.publication.domain import finding as finding_rules
from services.publication.schemas import INDICATOR_FILTERS

FEED_ENTRIES = 100
# A list shows summaries: the commitments and comments stay in the database. The fields are
# named (inclusion) rather than the big ones excluded: SecantusDB deep-copies each returned
# document whole before dropping excluded fields. Keep this in step with what
# views.finding_view(full=False) reads: a field missing here reads as its default.
LIST_PROJECTION = {field: 1 for field in ("case_id", "version", "member", "cycle", "plan_number", "languages", "summary",
                                          "published_at", "published_at_dt", "status", "withdrawn_reason",
                                          "supersedes", "superseded_by", "position")}


# A page's first window: the page and one more (a list of current findings is mostly current
# findings); the windows double below it. SCAN_BUDGET bounds the positions one page of the
# findings list reads when its filters are checked finding by finding (every filter but the
# member, which has its own index): a filter that matches rarely gets a shorter page, with a
# next link, instead of a read of every finding. 256 positions cost about what reading every
# finding did at 100 findings (bench/FINDINGS.md, 2026-12-01).
SCAN_BUDGET = 256


def findings_page(query):
    """One page of the findings list for a FindingsQuery, newest first: (findings, the next
    page's cursor or None). Read window by window of positions (paging.collect)."""
    filters = _filters(query)
    top = _below(query["cursor"]) - 1 if query["cursor"] else positions.top()
    member = filters.pop("member_code", None)
    found, before = _newest(top, query["limit"], member, filters, LIST_PROJECTION,
                            budget=None if member else SCAN_BUDGET)
    return found, paging.encode_cursor(before) if before else None


def findings_list(query) -> dict:
    """The findings list for a FindingsQuery as plain data, what the JSON API and the findings
    page both show: {"items": [summary views], "next": the next page's query parameters, or None}."""
    page, cursor = findings_page(query)
    return {"items": [views.finding_view(f, full=False) for f in page],
            "next": views.next_page_query(query, cursor) if cursor else None}


# A member's page lists its findings' versions a page at a time; its counts come from its summary
# (member_summary), so a page reads this many versions whatever the member's history.
MEMBER_PAGE = 20


def member_findings(member_code, cursor=None, limit=MEMBER_PAGE):
    """One page of every version of one member's findings, newest first, as lists show them
    (LIST_PROJECTION): (findings, the next page's cursor or None). Read through the
    (member_code, -position) index, window by window; a cursor not given here raises Unprocessable."""
    top = _below(cursor) - 1 if cursor else positions.top()
    found, before = _newest(top, limit, member_code, {}, LIST_PROJECTION)
    return found, paging.encode_cursor(before) if before else None


def member_summary(member_code) -> dict | None:
    """The member's summary as stored (domain/member_summary.py), read by _id; None if it has no finding."""
    return documents.MemberSummary._get_collection().find_one({"_id": member_code})


def current_findings(member=None, limit=FEED_ENTRIES):
    """The feeds' findings: each case's latest version (withdrawn ones included), newest first,
    at most `limit`, as lists show them (LIST_PROJECTION: an entry shows the summary); `member`
    keeps one member's. Read window by window of positions."""
    found, _ = _newest(positions.top(), limit, member, {"superseded_by": None}, LIST_PROJECTION)
    return found


def _newest(top, limit, member, filters, projection, budget=None):
    """(up to `limit` findings at or below position `top` matching `filters`, newest first, the
    position the next page starts below or None). Each window is an aggregation whose first
    stage is only an index range, the positions (lo, hi] (and the member, on its own index);
    the other filters are a second stage, checked on the documents of that range. In one stage,
    SecantusDB reads the range with filters on fields other indexes start with (superseded_by,
    cycle, two of them) by reading every finding (bench/FINDINGS.md, 2026-12-01)."""
    collection = documents.Finding._get_collection()
    keyed = {"member_code": member} if member else {}

    def read_window(lo, hi):
        pipeline = [{"$match": {**keyed, "position": {"$gt": lo, "$lte": hi}}}]
        pipeline += [{"$match": filters}] if filters else []
        pipeline += [{"$sort": {"position": -1}}, {"$project": projection}]
        return [documents.Finding._from_son(raw) for raw in collection.aggregate(pipeline)]

    return paging.collect(read_window, top, limit, first_window=limit + 1, position=lambda f: f.position, budget=budget)


def _below(cursor) -> int:
    """The position a cursor's page starts below; a cursor of the earlier format names the last
    finding seen, whose position is read by its id."""
    kind, value = paging.decode_cursor(cursor)
    if kind == "before":
        return value
    seen = documents.Finding._get_collection().find_one({"_id": value}, {"position": 1})
    if seen is None or seen.get("position") is None:
        raise paging.not_a_cursor()
    return seen["position"]


def finding(finding_id):
    return documents.Finding.objects(finding_id=finding_id).first()


# Open data reads the ids in force this many positions at a time: a window of ids alone costs some
# milliseconds, and one finding's content some more each (open_data_files.BATCH findings are read at a time).
OPEN_DATA_WINDOW = 100


def open_data_ids(top, window=OPEN_DATA_WINDOW):
    """The ids of the findings open data holds as of position `top`: each case's newest version at or below it,
    withdrawn ones left out, newest first (by position). A generator, read window by window of positions
    (lo, hi], each an aggregation whose first stage is the range alone, so an index range: the first ids come
    after one window whatever the number of findings (one query of every finding in force made SecantusDB
    decode them all first: 10-16 s at 10,000, bench/FINDINGS.md). Holds the ids of the cases seen meanwhile."""
    collection, seen, hi = documents.Finding._get_collection(), set(), top
    while hi >= paging.BOTTOM:
        lo = max(hi - window, paging.BOTTOM - 1)
        versions = collection.aggregate([{"$match": {"position": {"$gt": lo, "$lte": hi}}}, {"$sort": {"position": -1}},
                                         {"$project": {"case_id": 1, "status": 1}}])
        yield from finding_rules.latest_in_force(versions, seen)
        hi = lo


# What open data reads of a finding view (open_data.rows): keep in step with it, a field missing here reads as None.
OPEN_DATA_PROJECTION = {field: 1 for field in ("case_id", "version", "member", "cycle", "plan_number", "commitments", "published_at")}


class StoredFinding:
    """A finding as the collection holds it (a dict), read through a Finding's attribute names, as views.finding_view
    reads it. Why not Finding._from_son: mongoengine converts every nested value of the 20 commitments when it
    loads a document, and walks them again for references on each attribute read: 7 to 15 ms a finding on the
    development machine, against 0.2 ms here (measured on bench/cases.py's findings), which open data paid for
    every finding in force. Only for reads: a field the read's projection left out is None."""

    def __init__(self, raw: dict):
        self.__dict__.update(raw)
        self.finding_id = raw["_id"]

    def __getattr__(self, name):  # only called for a field the document does not hold
        if name in documents.Finding._fields:
            return None
        raise AttributeError(name)


def findings_by_id(finding_ids) -> list:
    """The findings `finding_ids`, in that order, with open data's fields; read by _id (an index lookup,
    however many findings there are). A finding not found raises KeyError: findings are never deleted."""
    found = {raw["_id"]: raw for raw in documents.Finding._get_collection().find({"_id": {"$in": list(finding_ids)}}, OPEN_DATA_PROJECTION)}
    return [StoredFinding(found[finding_id]) for finding_id in finding_ids]


def versions_of(case_ids):
    """({case_id: [finding ids, oldest version first]}, {case_id: when its first version was published})."""
    versions, first_published = {}, {}
    for raw in documents.Finding._get_collection().find({"case_id": {"$in": case_ids}}, {"case_id": 1, "version": 1, "published_at": 1},
                                                        sort=[("version", 1)]):
        first_published.setdefault(raw["case_id"], raw["published_at"])
        versions.setdefault(raw["case_id"], []).append(raw["_id"])
    return versions, first_published


def checkpoints_after(size, limit):
    return list(documents.LogCheckpoint.objects(size__gt=size).order_by("size").limit(limit))


def checkpoint_at(size):
    return documents.LogCheckpoint.objects(size=size).first()


def leaf(index):
    return documents.LogLeaf._get_collection().find_one({"_id": index})


def leaves(start, end) -> list:
    return list(documents.LogLeaf._get_collection().find({"_id": {"$gte": start, "$lt": end}}, sort=[("_id", 1)]))


def _filters(query) -> dict:
    filters = {} if query["all_versions"] else {"superseded_by": None}
    if query["status"]:
        filters["status"] = query["status"]
    for field, key in (("member_code", "member"), ("member.kind", "kind"), ("cycle", "cycle"), ("languages", "language")):
        if query[key]:
            filters[field] = query[key]
    for indicator in INDICATOR_FILTERS:
        if query[indicator]:
            filters[f"commitments.ratings.{indicator}.value"] = query[indicator]
    return filters
