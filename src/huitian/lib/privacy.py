"""Masking of personal data (PIPL): names and phone numbers."""

from __future__ import annotations


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
