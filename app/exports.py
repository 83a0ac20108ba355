"""Files the app writes for spreadsheets and address books (CSV, vCard).

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a
formula by Excel and LibreOffice ("CSV injection"): a guardian could type
`=HYPERLINK(...)` as a name and the mentor's spreadsheet would run it. As OWASP
advises, every such cell is prefixed with a single quote (`'`) and every CSV cell is
quoted, so the value shows as typed and is never evaluated.

That includes phone numbers in international form: `+46 70 123 45 67` starts with `+`
and Excel evaluates it, so the CSV export writes `'+46 70 123 45 67` (Excel shows it
without the quote). The one exception is a vCard TEL value that is a phone number and
nothing else (digits, spaces, `+ - ( )`): address books dial it, a quote would break
that, and such a value cannot hold a formula that does more than arithmetic.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PHONE_NUMBER = re.compile(r"\+?[0-9][0-9 ()-]*")


def neutralise(value: object) -> str:
    """The text of a cell, with a leading `'` when it starts like a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def neutralise_phone(value: str) -> str:
    """A phone number for a vCard TEL: as it is if it is only a phone number."""
    return value if PHONE_NUMBER.fullmatch(value) else neutralise(value)


def csv_bytes(header: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    """UTF-8 with BOM and semicolons (Excel opens it with å, ä, ö intact), every cell
    quoted and neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for row in (header, *rows):
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
