"""Helpers shared by the assessment pages: anchors, floor rule texts, accepted files."""

from assessments.models import Framework, localized

EVIDENCE_ACCEPT = ".pdf,.png,.jpg,.jpeg,.gif,.webp,.docx,.xlsx,.pptx,.hwp,.hwpx"


def anchor(code: str) -> str:
    return "item-" + code.replace(".", "-")


def floor_rule_text(framework: Framework, code: str) -> str:
    for rule in framework.floor_rules:
        if rule.get("code") == code:
            return localized({k: v for k, v in rule.items() if k in ("ko", "en")}, code)
    return code
