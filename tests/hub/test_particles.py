"""Korean particles chosen by the word (hub.particles): pure rules, and the filter and the
response pass that use them."""

import pytest
from django.template import Context, Template
from django.utils import translation

from hub.particles import attach, final_consonant, particle, resolve


@pytest.mark.parametrize(
    ("word", "ending"),
    [
        ("공장", "C"),
        ("기업", "C"),
        ("서울", "ㄹ"),
        ("사과", ""),
        ("스마트공장 A동", "C"),
        ("“경기”", ""),
        ("(주)한빛", "C"),
        ("3", "C"),  # 삼
        ("2", ""),  # 이
        ("7", "ㄹ"),  # 칠
        ("10", "C"),  # 십
        ("100", "C"),  # 백
        ("2025", ""),  # 이천이십오
        ("0", "C"),  # 영
        ("OEE", ""),  # 오이이
        ("KPI", ""),  # 케이피아이
        ("MTTR", "ㄹ"),  # 엠티티알
        ("ISO 22400", "C"),  # 사백
        ("25 %", ""),  # 퍼센트
        ("", None),
        ("…", None),
    ],
)
def test_the_ending_is_read_the_korean_way(word, ending):
    assert final_consonant(word) == ending


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("공장", "을", "공장을"),
        ("공장", "를", "공장을"),
        ("회사", "을", "회사를"),
        ("OEE", "을", "OEE를"),
        ("3", "을", "3을"),
        ("2", "이", "2가"),
        ("기업", "가", "기업이"),
        ("기관", "은", "기관은"),
        ("지표", "는", "지표는"),
        ("정부", "과", "정부와"),
        ("기업", "와", "기업과"),
        ("서울", "으로", "서울로"),
        ("공장", "로", "공장으로"),
        ("부산", "으로", "부산으로"),
        ("a@b.kr", "으로", "a@b.kr로"),
        ("7", "으로", "7로"),
    ],
)
def test_attach_picks_the_form_the_word_takes(word, pair, expected):
    assert attach(word, pair) == expected


def test_an_unreadable_ending_keeps_the_combined_form():
    assert particle("…", "을") == "을(를)"
    assert particle("", "으로") == "(으)로"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("공장 스마트1공장 을(를) 등록했습니다.", "공장 스마트1공장을 등록했습니다."),
        ("기관 (주)가나 을(를) 저장했습니다.", "기관 (주)가나를 저장했습니다."),
        ("항목 코드 L-3이(가) 중복됩니다.", "항목 코드 L-3이 중복됩니다."),
        ("“서울시”은(는) 지역이 아닙니다.", "“서울시”는 지역이 아닙니다."),
        ("합계 100이(가) 총사업비 90과(와) 다릅니다", "합계 100이 총사업비 90과 다릅니다"),
        ("a@b.kr(으)로 초대장을 보냈습니다.", "a@b.kr로 초대장을 보냈습니다."),
        ("사용자 agency이(가) 없습니다.", "사용자 agency가 없습니다."),
        ("괄호 없는 문장", "괄호 없는 문장"),
        ("(주)한빛", "(주)한빛"),
    ],
)
def test_resolve_rewrites_every_combined_particle(text, expected):
    assert resolve(text) == expected


def test_the_template_filter_attaches_the_particle():
    template = Template('{% load korean %}{{ word|josa:"을" }} {{ n|josa:"이" }}')
    with translation.override("ko"):
        assert template.render(Context({"word": "OEE", "n": 3})) == "OEE를 3이"
    with translation.override("en"):
        assert template.render(Context({"word": "OEE", "n": 3})) == "OEE 3"


def _answer(content_type, body, language=None):
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import RequestFactory

    from hub.middleware import LanguageMiddleware

    request = RequestFactory().get("/")
    if language:
        request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
    middleware = LanguageMiddleware(lambda r: HttpResponse(body, content_type=content_type))
    response = middleware(request)
    return response.content.decode(), response


def test_korean_pages_and_api_answers_get_their_particles_chosen():
    body, response = _answer("text/html; charset=utf-8", "<p>공장 A동 을(를) 저장했습니다.</p>")
    assert body == "<p>공장 A동을 저장했습니다.</p>"
    body, _ = _answer("application/json", '{"detail": "사용자 kim이(가) 없습니다."}')
    assert body == '{"detail": "사용자 kim이 없습니다."}'


def test_english_pages_and_files_are_left_as_they_are():
    text = "<p>공장 A동 을(를)</p>"
    assert _answer("text/html; charset=utf-8", text, language="en")[0] == text
    assert _answer("text/csv; charset=utf-8", "이름,을(를)")[0] == "이름,을(를)"


def test_accepted_input_values_are_marked_as_code_and_escaped():
    template = Template("{% load korean %}{{ text|input_codes }}")
    with translation.override("ko"):
        html = template.render(Context({"text": "가동 또는 active, <b>closed</b>"}))
    assert html == (
        "가동 또는 <code>active</code>, "
        "&lt;<code>b</code>&gt;<code>closed</code>&lt;/<code>b</code>&gt;"
    )
