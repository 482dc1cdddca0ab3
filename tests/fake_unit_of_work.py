"""An in-memory unit of work for the handlers' unit tests: no broker, no database.

It implements the interface of shared/persistence/unit_of_work.py as the handlers use it
(get, get_latest, find, read, insert, update, delete, increment, new_case, record, emit), over plain dicts keyed by
collection, with the few MongoDB filter and update operators the handlers write. Audit
entries are chained with shared/audit.py's real rule, so a test can verify them. An
operator it does not know raises, so a handler that starts using one fails here loudly
rather than passing on a wrong answer.
"""
import copy

from shared import audit
from shared.clock import now_iso


class FakeUnitOfWork:
    def __init__(self, service="test"):
        self.service = service
        self.collections = {}  # collection name -> {_id: raw document}
        self.entries = []  # audit entries, in the order recorded
        self.sealed = {}  # (case_id, seq) -> what people wrote
        self.events = []  # emitted events, in order

    # --- documents -------------------------------------------------------------------------
    def collection(self, document) -> dict:
        return self.collections.setdefault(document._get_collection_name(), {})

    def get(self, document, filter_, fields=None):
        found = self._matching(document, filter_)
        if not found:
            return None
        raw = found[0] if fields is None else {key: value for key, value in found[0].items() if key in (*fields, "_id")}
        return self._loaded(document, raw)

    def get_latest(self, document, filter_, by):
        found = sorted(self._matching(document, filter_), key=lambda raw: raw.get(by))
        return self._loaded(document, found[-1]) if found else None

    def find(self, document, filter_, sort=None, limit=0):
        found = self._matching(document, filter_)
        for field, direction in reversed(sort or []):
            found.sort(key=lambda raw: _value(raw, field), reverse=direction < 0)
        return [self._loaded(document, raw) for raw in (found[:limit] if limit else found)]

    def insert(self, doc):
        doc.validate()
        raw = doc.to_mongo().to_dict()
        stored = self.collection(type(doc))
        if raw["_id"] in stored:
            raise KeyError(f"duplicate _id {raw['_id']}")
        stored[raw["_id"]] = copy.deepcopy(raw)

    def read(self, document, filter_, fields) -> list:
        return [{key: copy.deepcopy(raw[key]) for key in ("_id", *fields) if key in raw} for raw in self._matching(document, filter_)]

    def update(self, document, filter_, update, upsert=False) -> int:
        """How many documents changed (0 or 1), as MongoDB's modified_count: a match that changes nothing is 0.
        With `upsert` and no match, a new document made from the filter's equalities, then updated (counted 0, as MongoDB does)."""
        found = self._matching(document, filter_)
        if not found and upsert:
            created = {key: value for key, value in filter_.items() if not isinstance(value, dict)}
            _apply(created, update)
            self.collection(document)[created["_id"]] = created
            return 0
        if not found:
            return 0
        before = copy.deepcopy(found[0])
        _apply(found[0], update)
        return int(found[0] != before)

    def delete(self, document, filter_) -> int:
        found = self._matching(document, filter_)
        if not found:
            return 0
        del self.collection(document)[found[0]["_id"]]
        return 1

    def increment(self, document, filter_, field):
        found = self._matching(document, filter_)
        if not found:
            return None
        _apply(found[0], {"$inc": {field: 1}})
        return found[0][field]

    def put(self, doc):
        """Seed a document, as if another transaction had stored it."""
        self.insert(doc)
        return doc

    def stored(self, document, _id) -> dict:
        return self.collection(document)[_id]

    # --- audit and events ------------------------------------------------------------------
    def new_case(self, case_id):
        if any(e["case_id"] == case_id for e in self.entries):
            raise KeyError(f"case {case_id} already has audit entries")  # the database's unique (case_id, seq) index

    def record(self, *, case_id, action, actor, reason, data, correlation_id, sealed=None):
        previous = next((e for e in reversed(self.entries) if e["case_id"] == case_id), None)
        entry = audit.next_entry(previous, case_id=case_id, occurred_at=now_iso(), service=self.service, action=action,
                                 actor=actor, reason=reason, data=data, correlation_id=correlation_id,
                                 sealed=None if sealed is None else audit.seal(sealed))
        sealed_content = entry.pop("sealed", None)
        if sealed_content is not None:
            self.sealed[(case_id, entry["seq"])] = sealed_content["content"]
        self.entries.append(entry)
        return entry

    def emit(self, event):
        self.events.append(event)

    def actions(self, case_id=None) -> list:
        return [e["action"] for e in self.entries if case_id in (None, e["case_id"])]

    # --- the few operators the handlers use --------------------------------------------------
    def _matching(self, document, filter_) -> list:
        return [raw for raw in self.collection(document).values() if _matches(raw, filter_)]

    @staticmethod
    def _loaded(document, raw):
        return document._from_son(copy.deepcopy(raw))



def _value(raw, path):
    for key in path.split("."):
        if not isinstance(raw, dict) or key not in raw:
            return None
        raw = raw[key]
    return raw


def _matches(raw, filter_) -> bool:
    for key, condition in filter_.items():
        if key == "$or":
            if not any(_matches(raw, alternative) for alternative in condition):
                return False
            continue
        value = _value(raw, key)
        if isinstance(condition, dict) and condition and all(op.startswith("$") for op in condition):
            if not all(_compare(value, op, operand) for op, operand in condition.items()):
                return False
        elif not (value == condition or (isinstance(value, list) and condition in value)):
            return False
    return True


def _compare(value, op, operand) -> bool:
    if op == "$ne":
        return value != operand
    if op == "$in":
        return value in operand
    if value is None:
        return False
    if op == "$lt":
        return value < operand
    if op == "$lte":
        return value <= operand
    if op == "$gt":
        return value > operand
    if op == "$gte":
        return value >= operand
    raise NotImplementedError(f"the fake unit of work does not know {op}")


def _apply(raw, update):
    for op, changes in update.items():
        for path, operand in changes.items():
            *parents, last = path.split(".")
            target = raw
            for key in parents:
                target = target.setdefault(key, {})
            if op == "$set":
                target[last] = copy.deepcopy(operand)
            elif op == "$inc":
                target[last] = target.get(last, 0) + operand
            elif op == "$push":
                each = operand["$each"] if isinstance(operand, dict) and "$each" in operand else [operand]
                target.setdefault(last, []).extend(copy.deepcopy(each))
            elif op == "$addToSet":
                values = target.setdefault(last, [])
                if operand not in values:
                    values.append(operand)
            else:
                raise NotImplementedError(f"the fake unit of work does not know {op}")
