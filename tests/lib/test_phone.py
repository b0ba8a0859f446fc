"""normalise_phone: one written form for a number, when an order stores it and when a limit counts it."""

from __future__ import annotations

import pytest

from huitian.lib.phone import is_phone, normalise_phone, phone_key


@pytest.mark.parametrize(
    "given",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "(138) 1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "0086 13812345678",
        "0086-138-1234-5678",
        "8613812345678",
        "１３８１２３４５６７８",
        "＋８６　１３８－１２３４－５６７８",
    ],
)
def test_every_spelling_of_a_mobile_number_is_one_number(given: str):
    assert normalise_phone(given) == "13812345678" and phone_key(given) == "13812345678"


def test_landlines_short_numbers_and_foreign_numbers():
    assert normalise_phone("010-6234 5678") == "01062345678"
    assert normalise_phone("+86 10 6234 5678") == "01062345678"
    assert normalise_phone("0086 (0)10 62345678") == "01062345678"
    assert normalise_phone("12345") == "12345" and normalise_phone("+44 20 7946 0958") == "+442079460958"
    assert normalise_phone("86123") == "86123"  # no mobile number after 86: left as written


def test_what_is_not_a_number_stays_refusable():
    assert normalise_phone(None) is None and normalise_phone("  - ") is None
    assert not is_phone(normalise_phone("phone")) and not is_phone(normalise_phone("138.1234.5678"))
    assert phone_key("phone") is None and is_phone("13812345678") and not is_phone("138-1234-5678")
