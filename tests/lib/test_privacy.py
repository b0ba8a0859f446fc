"""huitian.lib.privacy.mask_text: the personal data typed into free text is masked."""

from __future__ import annotations

import time

import pytest

from huitian.lib.privacy import mask_text

STORY = "我叫王小明，电话13812345678，身份证110105199001011234"


def test_a_name_a_mobile_and_an_id_number_in_a_description_are_masked():
    masked = mask_text(STORY, name="王小明", phone="13900000000")
    assert masked == "我叫王**，电话138****5678，身份证110***********1234"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机 138 1234 5678", "手机 138****5678"),
        ("手机138-1234-5678。", "手机138****5678。"),
        ("+86 13812345678", "+86 138****5678"),
        ("0086-13812345678", "0086-138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("座机010-62345678", "座机010-****5678"),
        ("(010)62345678", "(010)****5678"),
        ("联系电话:62345678", "联系电话:****5678"),
        ("联系方式 6234567", "联系方式 ***4567"),
        ("身份证号11010519900101123X", "身份证号110***********123X"),
        ("老证号110105900101123", "老证号110********1123"),
    ],
)
def test_phone_and_id_numbers_in_their_usual_forms_are_masked(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "工单2026030200001234已并入",  # an order number: 16 digits
        "共12345678元,2024年3月5日",  # an amount, a date: no 电话 before them
        "楼号138号,3单元",
        "坐标116.4012345,39.9012345",
    ],
)
def test_numbers_that_are_not_personal_data_stay(text):
    assert mask_text(text) == text


def test_the_citizens_own_phone_as_stored_and_a_one_character_name_are_handled():
    assert mask_text("请拨 010-88886666 找我", phone="010-88886666") == "请拨 010****6666 找我"
    assert mask_text("王先生来电", name="王") == "王先生来电"  # one character would hide every 王
    assert mask_text(None) is None and mask_text("") == ""


def test_it_is_fast_enough_for_an_export_of_a_hundred_thousand_descriptions():
    text = STORY * 5 + "路灯不亮,已经一周了" * 10
    start = time.perf_counter()
    for _ in range(10_000):
        mask_text(text, name="王小明", phone="13812345678")
    assert time.perf_counter() - start < 2.0  # 10,000 texts of ~350 characters: well under 0.2 ms each
