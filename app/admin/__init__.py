"""School administration: school years, groups, staff, policies, imports and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What became of an administrative change. Done, it is committed and `done` holds what
    it made or changed. A change the school's data does not allow is refused, as an ordinary
    result and before anything is written: `field` names the form field to blame and
    `reason` says why, for the page to show next to it."""

    done: T | None = None
    field: str | None = None
    reason: Any = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def refused(field: str, reason) -> Outcome:
    return Outcome(field=field, reason=reason)
