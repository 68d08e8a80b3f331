from hub.templatetags.hub_tags import current_nav_url

NAV = [
    ("Home", "/"),
    ("Plants", "/plants/"),
    ("Import plants", "/plants/import/"),
    ("Assessments", "/assessments/"),
    ("To confirm", "/assessments/?queue=to_confirm"),
]


def test_longest_matching_path_wins():
    assert current_nav_url(NAV, "/plants/12/") == "/plants/"
    assert current_nav_url(NAV, "/plants/import/") == "/plants/import/"
    assert current_nav_url(NAV, "/") == "/"
    assert current_nav_url(NAV, "/organizations/") == ""


def test_queue_presets_match_only_their_own_query():
    assert (
        current_nav_url(NAV, "/assessments/?queue=to_confirm") == "/assessments/?queue=to_confirm"
    )
    assert current_nav_url(NAV, "/assessments/") == "/assessments/"
    assert current_nav_url(NAV, "/assessments/?status=draft") == "/assessments/"
    assert current_nav_url(NAV, "/assessments/5/") == "/assessments/"
