"""CSV files for import tests, written the way a student information system or Excel would."""

from __future__ import annotations

from datetime import date, timedelta


def _luhn(digits: str) -> int:
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10


def personnummer(i: int, born: date = date(2012, 1, 1)) -> str:
    """A valid, fictional personnummer for student number i (distinct for i < 328,500)."""
    day = born + timedelta(days=i % 365)
    serial = f"{i // 365 % 900 + 100:03d}"
    short = f"{day:%y%m%d}{serial}"
    return f"{day:%Y%m%d}-{serial}{_luhn(short)}"


HEADER = (
    "personnummer;first_name;last_name;group;protected_identity;"
    "guardian1_name;guardian1_email;guardian1_phone;guardian1_shares_household;"
    "guardian2_name;guardian2_email;guardian2_phone;guardian2_shares_household"
)


def student_line(i: int, group: str = "7A", first: str | None = None) -> str:
    return (
        f"{personnummer(i)};{first or f'Elev{i}'};Importsson;{group};nej;"
        f"Förälder{i} Importsson;parent{i}@example.net;070-{i % 1000:03d} {i // 1000:02d} 00;ja;"
        f"Annan{i} Importsson;other{i}@example.net;;ja"
    )


def students_csv(count: int, groups=("7A", "8B", "9C"), start: int = 0) -> str:
    lines = [HEADER] + [
        student_line(i, groups[i % len(groups)]) for i in range(start, start + count)
    ]
    return "\n".join(lines) + "\n"


def excel_bytes(text: str) -> bytes:
    """What Excel's "CSV UTF-8" writes: a byte order mark and CRLF line ends."""
    return ("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8")
