"""The pseudo-locale: every message of the template accented and 40% longer, so that text
cut off or running over the edge shows at once, in any page, without a real translation.

`python -m app.pseudo` writes app/translations/en_001/LC_MESSAGES/messages.po (not kept in
git; `make install` makes it and compiles it with the other catalogues). The language
switch offers it as "[Ƥşéûđö]" where the setting PSEUDO_LOCALE is on (development).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from app.languages import PSEUDO

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ACCENTS = str.maketrans(
    "AaBCcDdEeGgHhIiJjKkLlNnOoRrSsTtUuWwYyZz",
    "ÅåƁÇçĐđÉéĜĝĤĥÎîĴĵĶķĻļÑñÖöŘřŠšŢţÛûŴŵÝýŽž",
)
# Placeholders and markup pass through untouched.
KEEP = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>|&\w+;")


def pseudo(text: str) -> str:
    """'Save the date' -> '[Šåvé ţĥé đåţé ~~~~~]': accented, 40% longer, bracketed."""
    if not text:
        return text
    parts, last = [], 0
    for match in KEEP.finditer(text):
        parts.append(text[last : match.start()].translate(ACCENTS))
        parts.append(match.group(0))
        last = match.end()
    parts.append(text[last:].translate(ACCENTS))
    padding = "~" * max(1, round(len(text) * 0.4) - 2)
    return f"[{''.join(parts)} {padding}]"


def build(template: Path = TRANSLATIONS / "messages.pot") -> Path:
    with open(template, "rb") as f:
        source = read_po(f)
    catalog = Catalog(locale=PSEUDO.locale, project="Mentorskap pseudo-locale")
    for message in source:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id
            strings = (pseudo(singular),) + (pseudo(plural),) * (catalog.num_plurals - 1)
            catalog.add(message.id, strings, flags=message.flags)
        else:
            catalog.add(message.id, pseudo(message.id), flags=message.flags)
    target = TRANSLATIONS / PSEUDO.locale / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as f:
        write_po(f, catalog, width=100)
    return target


if __name__ == "__main__":
    print(build(*(Path(arg) for arg in sys.argv[1:])))
