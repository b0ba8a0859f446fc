"""The text generator: deterministic, within lengths, realistic fields."""

from __future__ import annotations

import re

from huitian.demo import catalog
from huitian.demo.textgen import TextGen

TYPES = ("consultation", "help", "complaint", "report", "suggestion", "praise")


def _texts(seed: int, n: int = 600):
    cats = catalog.category_by_code()
    thirds = [c for c in catalog.CATEGORIES if c["level"] == 3]
    gen = TextGen(seed)
    out = []
    for i in range(n):
        c = thirds[i % len(thirds)]
        out.append(
            gen.order(
                c["name"],
                order_type=TYPES[i % len(TYPES)],
                community="天通北苑第二社区",
                street_code="110114008",
                street_name="天通苑北街道",
                topic=cats[c["parent_code"]]["name"],
            )
        )
    return out


def test_the_same_seed_gives_the_same_texts():
    assert _texts(5) == _texts(5)
    assert _texts(5) != _texts(6)


def test_titles_and_descriptions_stay_within_their_lengths():
    for t in _texts(1):
        assert 1 <= len(t.title) <= 30
        assert 40 <= len(t.description) <= 200


def test_citizens_have_a_chinese_name_and_a_mobile_number():
    for t in _texts(2):
        assert re.fullmatch(r"1[3-9]\d{9}", t.citizen_phone)
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", t.citizen_name)


def test_consultations_read_like_an_operator_record():
    texts = _texts(3)
    consultations = [t for i, t in enumerate(texts) if TYPES[i % len(TYPES)] == "consultation"]
    assert all(t.description.startswith("市民来电咨询") for t in consultations)
    complaints = [t for i, t in enumerate(texts) if TYPES[i % len(TYPES)] == "complaint"]
    assert all("诉求：" in t.description for t in complaints)
