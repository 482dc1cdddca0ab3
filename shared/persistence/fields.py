"""Field types the services' documents share."""
from mongoengine.base import BaseField


class PlainData(BaseField):
    """A list or dict of plain JSON values that a contract has already checked (a self-assessment's
    commitments, its co-creation report), stored and read exactly as it is.

    mongoengine's ListField(DictField()) converts every nested value when a document is built, again
    when it is validated and once more when it is stored or read: for a self-assessment's ~29 KB,
    that was more CPU than the write itself. This field checks only the outer type (and, when
    required, that it is not empty, as a required ListField or DictField does).
    """

    def __init__(self, kind=list, **kwargs):
        self.kind = kind
        kwargs.setdefault("default", kind)
        super().__init__(**kwargs)

    def validate(self, value):
        if not isinstance(value, self.kind):
            self.error(f"Must be a {self.kind.__name__}.")
        if self.required and not value:
            self.error("Field is required and cannot be empty")
