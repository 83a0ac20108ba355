"""The survey's questions: one list, each item with a stable key (answers are counted
under it, so a key never changes meaning; a reworded item keeps its key only if it asks
the same thing).

The items are the student survey of the mentoring evaluation (seed 004, "Elevenkät"):
those about the mentor and the development talk. Guardians answer a short version."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app import hot_path

AUDIENCES = ("student", "guardian")
AUDIENCE_LABELS = {"student": _l("Students"), "guardian": _l("Guardians")}

# The scale: 1 to 5, its words at both ends.
SCALE = (1, 2, 3, 4, 5)
SCALE_LOW = _l("Not true at all")
SCALE_HIGH = _l("Completely true")


@dataclass(frozen=True)
class Item:
    key: str
    student: object  # lazy text, or None when students are not asked
    guardian: object = None  # lazy text, or None when guardians are not asked

    def text(self, audience: str) -> str:
        return hot_path.text(getattr(self, audience))


ITEMS = (
    # "Jag känner mig trygg med min mentor"
    Item("safe", _l("I feel safe with my mentor.")),
    # "Jag känner mig nöjd med den hjälp och det stöd som jag får från min mentor."
    Item("support", _l("I am satisfied with the help and support I get from my mentor.")),
    # "Jag upplever att min mentor har tid för mig och mina frågor när jag behöver det."
    Item(
        "time",
        _l("My mentor has time for me and my questions when I need it."),
        _l("The mentor has time for my questions when I need it."),
    ),
    # "Min mentor bidrar till att jag känner mig motiverad i skolan."
    Item("motivation", _l("My mentor helps me feel motivated at school.")),
    # "Jag upplever att jag får stöd från min mentor i att nå mina mål om och när jag
    # behöver det."
    Item("goal_support", _l("My mentor supports me in reaching my goals when I need it.")),
    # "Jag kände mig delaktig under utvecklingssamtalet"
    Item(
        "involved",
        _l("I felt involved during the development talk."),
        _l("I felt involved during the development talk."),
    ),
    # "Samtalsämnen under mitt utvecklingssamtal kändes intressanta och relevanta för mig"
    Item(
        "topics",
        _l("The topics of my development talk felt interesting and relevant to me."),
        _l("The topics of the talk felt relevant for my child."),
    ),
)
ITEM_KEYS = frozenset(item.key for item in ITEMS)


def items_for(audience: str) -> list[Item]:
    """The items one audience answers, in the list's order."""
    return [item for item in ITEMS if getattr(item, audience) is not None]


def audience_label(audience: str) -> str:
    return hot_path.text(AUDIENCE_LABELS[audience])


_BY_KEY = {item.key: item for item in ITEMS}


def item_text(key: str, audience: str) -> str:
    return _BY_KEY[key].text(audience)


def scale_low() -> str:
    return hot_path.text(SCALE_LOW)


def scale_high() -> str:
    return hot_path.text(SCALE_HIGH)


def item_keys(audience: str) -> list[str]:
    return [item.key for item in items_for(audience)]
