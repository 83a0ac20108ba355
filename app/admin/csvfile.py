"""Reading the CSV files a student information system or Excel writes.

Excel saves "CSV UTF-8" with a byte order mark and, in a Swedish locale, semicolons;
older Excel saves Windows-1252. Headers are matched loosely (case, spaces, å/ä/ö) against
the documented column set and its Swedish and SS 12000 names.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

# canonical column → accepted header spellings (after normalise_header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "personnummer": ("personnummer", "pnr", "civicno", "civicno_value", "personal_number"),
    "external_id": ("external_id", "externt_id", "elev_id", "student_id", "person_id", "id"),
    "first_name": ("first_name", "fornamn", "givenname", "given_name"),
    "last_name": ("last_name", "efternamn", "familyname", "family_name"),
    "group": ("group", "grupp", "klass", "mentorsgrupp", "studentgroup", "class"),
    "protected_identity": (
        "protected_identity",
        "skyddad_identitet",
        "skyddade_personuppgifter",
        "securitymarking",
    ),
    # A file of teachers (teaching, issue 19): one row per teacher, group and subject.
    "teacher_email": ("teacher_email", "larare_e_post", "larare_epost", "larare_email"),
    "teacher_name": ("teacher_name", "larare", "larare_namn", "teacher"),
    "subject": ("subject", "amne", "amneskod", "subject_code"),
}
# The columns of a file of teachers; the other columns are for files of students.
TEACHER_COLUMNS = ("teacher_email", "teacher_name", "group", "subject")
GUARDIAN_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name", "namn"),
    "email": ("email", "e_post", "epost", "mail"),
    "phone": ("phone", "telefon", "mobil", "mobile"),
    "shares_household": ("shares_household", "samma_hushall", "household", "hushall"),
}
GUARDIAN_PREFIXES = ("guardian", "vardnadshavare", "vh")
MAX_GUARDIANS = 4
_GUARDIAN_HEADER = re.compile(r"^(?P<prefix>[a-z]+?)_?(?P<n>[1-9])?_(?P<field>[a-z_]+)$")


def normalise_header(header: str) -> str:
    value = header.strip().strip("\ufeff").lower()
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o"), ("-", "_"), (" ", "_"), (".", "_")):
        value = value.replace(a, b)
    return re.sub(r"_+", "_", value).strip("_")


def canonical_column(header: str) -> str | None:
    """'Förnamn' → 'first_name', 'Vårdnadshavare 2 e-post' → 'guardian2_email', else None."""
    key = normalise_header(header)
    for name, spellings in COLUMNS.items():
        if key in spellings:
            return name
    match = _GUARDIAN_HEADER.match(key)
    if match and match["prefix"] in GUARDIAN_PREFIXES:
        n = int(match["n"] or 1)
        for name, spellings in GUARDIAN_FIELDS.items():
            if match["field"] in spellings and n <= MAX_GUARDIANS:
                return f"guardian{n}_{name}"
    return None


@dataclass
class Sheet:
    """One decoded file: its rows as {canonical column: value} with their line numbers."""

    name: str
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    error: str | None = None


MAX_FILE_BYTES = 5 * 1024 * 1024  # some 20,000 students with four guardians each
# Control characters other than tab and line breaks: a binary file, not a CSV text file.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UploadError(ValueError):
    """A file that is not a CSV text file; `code` is one of "too_large", "binary"."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def decode(data: bytes) -> str:
    """UTF-8 (with or without Excel's byte order mark), else Windows-1252.

    Refuses (UploadError) what is no CSV text: too large, NUL bytes or other control
    characters (a spreadsheet, an image, UTF-16), or bytes Windows-1252 does not define."""
    if len(data) > MAX_FILE_BYTES:
        raise UploadError("too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UploadError("binary") from None
    if _BINARY.search(text):
        raise UploadError("binary")
    return text


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def read_sheet(name: str, text: str) -> Sheet:
    sheet = Sheet(name=name)
    text = text.lstrip("\ufeff")
    if not text.strip():
        sheet.error = "empty"
        return sheet
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.split("\n", 1)[0]))
    headers = next(reader)
    positions: dict[int, str] = {}
    for index, header in enumerate(headers):
        column = canonical_column(header)
        if column is None or column in positions.values():
            if header.strip():
                sheet.ignored_headers.append(header.strip())
            continue
        positions[index] = column
    sheet.columns = list(positions.values())
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        row = {
            column: values[index].strip() if index < len(values) else ""
            for index, column in positions.items()
        }
        sheet.rows.append((reader.line_num, row))
    if "teacher_email" in sheet.columns:
        return sheet  # a file of teachers (app/teaching/importing.py)
    if "personnummer" not in sheet.columns and "external_id" not in sheet.columns:
        sheet.error = "no_key"
    return sheet
