"""Phone numbers in one written form, the same when an order stores one and when a limit or a look-up
counts one: `+86 138-1234-5678`, `0086 13812345678`, `(138) 1234 5678` and `１３８１２３４５６７８` are all
`13812345678`.

- full-width digits and signs (a Chinese input method's) become ASCII (NFKC);
- spaces, dashes and parentheses go;
- the country code of China (`+86`, `0086`, or a bare `86` before an 11-digit mobile number) goes from a
  mobile number; a landline in international form gets its trunk 0 back (`+86 10 6234 5678` →
  `01062345678`);
- anything else is left as written (a foreign `+44…`, a short service number), for `PHONE` to accept
  or refuse.
"""

from __future__ import annotations

import re
import unicodedata

PHONE = re.compile(r"\+?[0-9]{5,20}")  # a normalised number: digits, an optional leading +
_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0?[1-9][0-9]{8,10}")  # area code (without or with its 0) and number


def normalise_phone(value: str | None) -> str | None:
    """The number's normal form (see the module note); None for None or a value with nothing left."""
    if value is None:
        return None
    v = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    if not v:
        return None
    for prefix in ("+86", "0086", "86"):
        if v.startswith(prefix) and _MOBILE.fullmatch(v[len(prefix) :]):
            return v[len(prefix) :]
    for prefix in ("+86", "0086"):
        rest = v[len(prefix) :]
        if v.startswith(prefix) and _LANDLINE.fullmatch(rest):
            return rest if rest.startswith("0") else "0" + rest
    return v


def is_phone(value: str | None) -> bool:
    """A number in its normal form (what an order may store)."""
    return value is not None and PHONE.fullmatch(value) is not None


def phone_key(value: str | None) -> str | None:
    """What a limit counts a given number by: its normal form, or None when it has no digit at all."""
    v = normalise_phone(value)
    return v if v is not None and any(c in "0123456789" for c in v) else None
