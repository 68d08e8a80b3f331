"""The two languages of the hub: Korean (default) and English."""

from django.utils.translation import get_language


def is_english() -> bool:
    """True when the active language is English; Korean otherwise (also when none is active)."""
    return (get_language() or "ko").startswith("en")


def pick(ko: str, en: str) -> str:
    """The Korean or English text for the active language (Korean when English is empty)."""
    return en if is_english() and en else ko


def language_name(code: str) -> str:
    """A language named in the reader's language ("영어" on a Korean page), for choices such
    as a report's language; the switch in the header names each language in itself."""
    from django.utils.translation import pgettext

    names = {
        "ko": pgettext("language name", "Korean"),
        "en": pgettext("language name", "English"),
    }
    return names.get(code, code)
