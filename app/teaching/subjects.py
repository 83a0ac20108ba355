"""The subjects of compulsory school (grundskolan), by Skolverket's subject codes.

The one list of subjects: a teaching assignment, a teacher's input (and what is built on
them) stores the code; the label is shown in the reader's language.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import hot_path

SUBJECTS = {
    "SV": _l("Swedish"),
    "SVA": _l("Swedish as a second language"),
    "EN": _l("English"),
    "MA": _l("Mathematics"),
    "BI": _l("Biology"),
    "FY": _l("Physics"),
    "KE": _l("Chemistry"),
    "TK": _l("Technology"),
    "GE": _l("Geography"),
    "HI": _l("History"),
    "RE": _l("Religious education"),
    "SH": _l("Civics"),
    "BL": _l("Art"),
    "HKK": _l("Home and consumer studies"),
    "IDH": _l("Physical education and health"),
    "MU": _l("Music"),
    "SL": _l("Crafts"),
    "ML": _l("Modern languages"),
    "MLA": _l("Mother tongue"),
}

# Longest code, for the column's width.
CODE_LENGTH = 8


def is_subject(code: str | None) -> bool:
    return code in SUBJECTS


def subject_label(code: str) -> str:
    """A subject's name in the reader's language; an unknown code (a subject dropped from
    the list) shows as itself."""
    label = SUBJECTS.get(code)
    return hot_path.text(label) if label is not None else code


def subject_order(code: str) -> int:
    """Position of a subject in the list, for sorting (unknown codes last)."""
    try:
        return list(SUBJECTS).index(code)
    except ValueError:
        return len(SUBJECTS)
