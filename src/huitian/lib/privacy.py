"""Masking of personal data (PIPL): names and phone numbers, and the personal data typed into free text."""

from __future__ import annotations

import re


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678; short numbers keep only their last two digits."""
    if not phone:
        return phone
    if len(phone) >= 11:
        return phone[:3] + "****" + phone[-4:]
    if len(phone) > 4:
        return "*" * (len(phone) - 2) + phone[-2:]
    return "*" * len(phone)


def mask_name(name: str | None) -> str | None:
    """张三丰 → 张**; a single character stays hidden as *."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


# --- free text ---------------------------------------------------------------------------------------
# What a citizen or a handler types into a description, a note or a reply: mobile numbers (+86/0086,
# spaces or dashes allowed), landlines with their area code (010-12345678), local numbers of 7-8 digits
# right after 电话/手机/联系 (a few characters between allowed: 联系方式:), ID numbers (18 digits with a
# valid birth date, last one X allowed; 15-digit old ones), and the order's own citizen's name.

# One pass over the text (a regex of alternatives is about twice as fast as one pass per kind).
_PERSONAL = re.compile(
    r"(?<![0-9A-Za-z+])(?:"
    # ID numbers: 18 digits with a birth date (last one may be X); the old 15-digit ones
    r"(?P<id>[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
    r"|[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![0-9A-Za-z])"
    # mobiles, with +86/0086 and spaces or dashes
    r"|(?P<prefix>(?:\+|00)86[\s-]?)?(?P<head>1[3-9]\d)[\s-]?\d{4}[\s-]?(?P<tail>\d{4})(?!\d)"
    # landlines with their area code
    r"|(?P<area>\(0\d{2,3}\)|0\d{2,3})(?P<dash>[\s-]?)(?P<landline>\d{7,8})(?!\d)"
    r")"
    # local numbers right after 电话/手机/联系
    r"|(?P<word>电话|手机|联系)(?P<gap>\D{0,6}?)(?P<local>\d{7,8})(?!\d)"
)
# Every kind above holds seven digits in a row or a digit, a separator and four digits: most texts
# have neither, and are passed at the cost of this search.
_MAYBE = re.compile(r"\d{7}|\d[\s-]\d{4}")


def _last_four(number: str) -> str:
    return "*" * (len(number) - 4) + number[-4:]


def _mask_match(m: re.Match) -> str:
    if m.group("id"):
        s = m.group("id")
        return s[:3] + "*" * (len(s) - 7) + s[-4:]
    if m.group("head"):
        return (m.group("prefix") or "") + m.group("head") + "****" + m.group("tail")
    if m.group("landline"):
        return m.group("area") + m.group("dash") + _last_four(m.group("landline"))
    return m.group("word") + m.group("gap") + _last_four(m.group("local"))


def mask_text(text: str | None, *, name: str | None = None, phone: str | None = None) -> str | None:
    """Free text with the personal data in it masked: '我叫王小明,电话13812345678,身份证
    110105199001011234' (name 王小明) → '我叫王**,电话138****5678,身份证110***********1234'. The citizen's
    own `phone` is masked wherever it appears as typed, and their `name` (two characters or more: a
    single one would hide every such character of the text) as mask_name gives it."""
    if not text:
        return text
    if phone and len(phone) >= 5:
        text = text.replace(phone, mask_phone(phone) or "")
    if name and len(name) >= 2:
        text = text.replace(name, mask_name(name) or "")
    if _MAYBE.search(text) is None:
        return text
    return _PERSONAL.sub(_mask_match, text)
