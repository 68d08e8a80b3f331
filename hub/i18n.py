"""The two languages of the hub: Korean (default) and English."""

from django.utils.translation import get_language


def is_english() -> bool:
    """True when the active language is English; Korean otherwise (also when none is active)."""
    return (get_language() or "ko").startswith("en")


def pick(ko: str, en: str) -> str:
    """The Korean or English text for the active language (Korean when English is empty)."""
    return en if is_english() and en else ko
