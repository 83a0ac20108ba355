"""The one list of languages. Everything that names a language reads it from here: the
language switch, the account's language, a guardian's language for contact with school,
the interpreter field of a talk, `<html lang dir>`, e-mails and calendar feeds.

A language either has a translated interface (`ui`), or is offered only as a language
for contact with school and for an interpreter. Names are shown in the reader's own
language from Babel's CLDR data; the switch shows each language in its own name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639 code stored in the data ("sv", "prs")
    own_name: str  # the language's name for itself ("العربية")
    direction: str = "ltr"  # "rtl" for Arabic script and the like
    ui: bool = False  # the interface is translated into it
    babel_locale: str | None = None  # the Babel locale of the interface (default: code)
    cldr_name: str | None = None  # the key of its name in CLDR, where not the code
    pseudo: bool = False  # the development-only pseudo-locale

    @property
    def locale(self) -> str:
        return self.babel_locale or self.code


# Interface languages first, in the order the switch shows them; then the languages most
# often asked for in Swedish schools for contact and interpreters.
LANGUAGES: tuple[Language, ...] = (
    Language("sv", "Svenska", ui=True),
    Language("en", "English", ui=True),
    Language("ar", "العربية", "rtl", ui=True),
    Language("so", "Soomaali", ui=True),
    Language("fa", "فارسی", "rtl", ui=True),
    Language("ti", "ትግርኛ", ui=True),
    Language("uk", "Українська", ui=True),
    Language("pl", "Polski", ui=True),
    Language("fi", "Suomi", ui=True),
    Language("prs", "دری", "rtl", cldr_name="fa_AF"),
    Language("ps", "پښتو", "rtl"),
    Language("ku", "Kurdî"),
    Language("ckb", "کوردی", "rtl"),
    Language("tr", "Türkçe"),
    Language("bs", "Bosanski"),
    Language("hr", "Hrvatski"),
    Language("sr", "Српски"),
    Language("sq", "Shqip"),
    Language("ru", "Русский"),
    Language("es", "Español"),
    Language("fr", "Français"),
    Language("de", "Deutsch"),
    Language("th", "ไทย"),
    Language("vi", "Tiếng Việt"),
    Language("zh", "中文"),
    Language("am", "አማርኛ"),
    Language("sw", "Kiswahili"),
    Language("ur", "اردو", "rtl"),
    Language("hi", "हिन्दी"),
    Language("ro", "Română"),
    Language("smn", "Anarâškielâ"),
)
DEFAULT = "sv"
BY_CODE = {language.code: language for language in LANGUAGES}
UI_LANGUAGES = tuple(language for language in LANGUAGES if language.ui)
UI_CODES = tuple(language.code for language in UI_LANGUAGES)

# For finding text that is cut off or runs over: every message 40% longer and accented,
# generated from the message template by app/pseudo.py, offered only where the setting
# PSEUDO_LOCALE is on (development). Babel formats its dates as international English.
PSEUDO = Language("en-XA", "[Ƥşéûđö]", ui=True, babel_locale="en_001", pseudo=True)


def ui_languages(pseudo: bool = False) -> tuple[Language, ...]:
    """The interface languages, with the pseudo-locale where it is switched on."""
    return UI_LANGUAGES + (PSEUDO,) if pseudo else UI_LANGUAGES


_UI_LOCALES = {language.code: language.locale for language in UI_LANGUAGES}


def babel_locale(code: str | None, pseudo: bool = False) -> str | None:
    """The Babel locale of an interface language code, or None if there is none."""
    if pseudo and code == PSEUDO.code:
        return PSEUDO.locale
    return _UI_LOCALES.get(code) if code else None


def code_for(locale) -> str:
    """The language code (for lang="...") of a Babel locale."""
    return PSEUDO.code if str(locale) == PSEUDO.locale else str(locale)


# Strong right-to-left letters: Hebrew, Arabic (with Syriac, Thaana, N'Ko) and their
# presentation forms.
_RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
FIRST_STRONG_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2068", "\u2069"


def isolate(value, locale) -> object:
    """Text typed by people (a name, a room) inserted into a translated sentence keeps its
    own direction: a Latin name in an Arabic sentence, an Arabic name in a Swedish one.
    Plain strings only (markup and numbers pass as they are), and only where directions
    meet, so left-to-right pages with left-to-right names stay byte for byte the same."""
    return isolate_in(value, direction(locale) == "rtl")


def isolate_in(value, rtl: bool) -> object:
    """`isolate` on a page whose direction is known (`rtl`: the page reads right to left)."""
    if type(value) is not str or not value:
        return value
    if rtl or has_rtl_letter(value):
        return f"{FIRST_STRONG_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"
    return value


def has_rtl_letter(text: str) -> bool:
    return _RTL_LETTER.search(text) is not None


def get(code: str | None) -> Language | None:
    return BY_CODE.get(code or "")


def direction(code: str | None) -> str:
    """Text direction of an interface language ("ltr" for anything unknown)."""
    language = get(code_for(code) if code else None)
    return language.direction if language else "ltr"


@cache
def _names(locale: str) -> dict[str, str]:
    return dict(Locale.parse(locale).languages)


def name(code: str | None, locale: str) -> str:
    """A language's name in the reader's language ("arabiska" for a Swedish reader);
    text that is not a known code (older free-text data) is shown as it was typed."""
    if not code:
        return ""
    language = get(code)
    if language is None:
        return code
    return _names(str(locale)).get(language.cldr_name or code) or language.own_name


def choices(locale: str) -> list[tuple[str, str]]:
    """Every language, by name in the reader's language, for contact and interpreters."""
    return sorted(
        ((lang.code, name(lang.code, locale)) for lang in LANGUAGES),
        key=lambda item: item[1].casefold(),
    )
