"""Korean particles chosen by the word they follow: 을/를, 이/가, 은/는, 과/와, 으로/로.

The catalogue's older messages write both forms ("공장 %(object)s 을(를) 등록했습니다.")
because the word is only known when the message is formatted. `resolve` picks the right one
in the finished text; `attach` adds a particle to a known word. Words that do not end in
Hangul are read the Korean way: digits as spoken (3 → 삼, ends in ㅁ), Latin letters by
their Korean names (OEE → 이, no final consonant; L → 엘, ends in ㄹ).

Pure functions, no Django: unit-tested in tests/hub/test_particles.py."""

from __future__ import annotations

import re

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
RIEUL = 8  # index of ㄹ among the final consonants

# Whether a digit read in Sino-Korean (일 이 삼 사 오 육 칠 팔 구 영) ends in a consonant,
# and whether that consonant is ㄹ (일, 칠, 팔).
_DIGIT_FINAL = {
    "0": "ㅇ",
    "1": "ㄹ",
    "2": "",
    "3": "ㅁ",
    "4": "",
    "5": "",
    "6": "ㄱ",
    "7": "ㄹ",
    "8": "ㄹ",
    "9": "",
}
# Round numbers are read by their last unit: 10 십, 100 백, 1000 천, 10000 만.
_UNIT_FINAL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", 4: "ㄴ"}
# Latin letters by their Korean names (에이, 비, 시, 디, 이, 에프, 지, 에이치, 아이, 제이,
# 케이, 엘, 엠, 엔, 오, 피, 큐, 알, 에스, 티, 유, 브이, 더블유, 엑스, 와이, 제트).
_LETTER_FINAL = {
    "l": "ㄹ",
    "m": "ㅁ",
    "n": "ㄴ",
    "r": "ㄹ",
}

# The pairs as the catalogue writes them: (form after a consonant, form after a vowel).
PAIRS = {
    "을": ("을", "를"),
    "를": ("을", "를"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "은": ("은", "는"),
    "는": ("은", "는"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
}

# Characters between a word and its particle that do not change the choice: closing quotes
# and brackets, and spaces the catalogue puts before the particle.
_TRAILING = " \u00a0\"'”’»)]}>」』"


def final_consonant(word: str) -> str | None:
    """How the word ends when read aloud: "" after a vowel, "ㄹ" after ㄹ, "C" after any
    other final consonant; None when the ending cannot be read (punctuation, nothing)."""
    text = str(word).rstrip(_TRAILING)
    if not text:
        return None
    last = text[-1]
    code = ord(last)
    if HANGUL_FIRST <= code <= HANGUL_LAST:
        final = (code - HANGUL_FIRST) % 28
        if final == 0:
            return ""
        return "ㄹ" if final == RIEUL else "C"
    if last.isdigit() and last in _DIGIT_FINAL:
        digits = re.search(r"[0-9]+$", text).group()
        if last == "0" and digits.strip("0"):
            zeros = len(digits) - len(digits.rstrip("0"))
            return _consonant(_UNIT_FINAL.get(zeros, "ㄴ"))
        return _consonant(_DIGIT_FINAL[last])
    if last.isascii() and last.isalpha():
        return _consonant(_LETTER_FINAL.get(last.lower(), ""))
    if last == "%":
        return ""  # 퍼센트
    return None


def _consonant(jamo: str) -> str:
    if not jamo:
        return ""
    return "ㄹ" if jamo == "ㄹ" else "C"


def particle(word: str, pair: str) -> str:
    """The particle of `pair` (either of its forms: "을", "를", "이", "가", "은", "는", "과",
    "와", "으로", "로") that follows `word`: particle("공장", "을") == "을",
    particle("OEE", "을") == "를", particle("3", "이") == "이". When the ending cannot be
    read, the catalogue's combined form ("을(를)") is kept."""
    after_consonant, after_vowel = PAIRS[pair]
    final = final_consonant(word)
    if final is None:
        return f"{after_consonant}({after_vowel})" if pair != "로" and pair != "으로" else "(으)로"
    if after_consonant == "으로":
        # ㄹ takes 로 like a vowel: 서울로, 공장으로.
        return after_vowel if final in ("", "ㄹ") else after_consonant
    return after_vowel if final == "" else after_consonant


def attach(word, pair: str) -> str:
    """The word followed by its particle: attach("공장", "을") == "공장을"."""
    word = str(word)
    return f"{word}{particle(word, pair)}"


_COMBINED = re.compile(
    r"(을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|는\(은\)|과\(와\)|와\(과\)|\(으\)로)"
)


def resolve(text: str) -> str:
    """Every combined particle in a finished Korean text ("공장 A동 을(를) 등록했습니다.")
    replaced by the one its word takes ("공장 A동을 등록했습니다."). A space the catalogue
    wrote between the word and the particle is dropped; an unreadable ending keeps the
    combined form."""
    if "(" not in text:
        return text
    parts = _COMBINED.split(text)
    if len(parts) == 1:
        return text
    out = [parts[0]]
    for combined, rest in zip(parts[1::2], parts[2::2], strict=True):
        before = out[-1]
        word = before.rstrip(" \u00a0")
        key = "으로" if combined == "(으)로" else combined[0]
        chosen = particle(word, key)
        if "(" not in chosen and word != before and word and not word[-1].isspace():
            out[-1] = word  # "A동 을(를)" → "A동을"
        out.append(chosen)
        out.append(rest)
    return "".join(out)
