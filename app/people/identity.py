"""Swedish personal identity numbers (personnummer), validated with the personnummer library."""

from __future__ import annotations

from personnummer import personnummer
from personnummer.personnummer import PersonnummerException


def normalise_personnummer(value: str) -> str:
    """Return the long form YYYYMMDD-NNNN (coordination numbers included), or raise ValueError."""
    try:
        number = personnummer.parse(value.strip())
    except (PersonnummerException, ValueError, TypeError) as error:
        raise ValueError("invalid personnummer") from error
    digits = number.format(True)
    return f"{digits[:8]}-{digits[8:]}"
