"""The canonical form of a Chinese text for matching: NFKC-folded, lower case, no whitespace, no
punctuation. Raw text and the same text split into space-separated words ("小区 物业 停水") give the same
result, so the classifier, the duplicate finder and the gazetteer need no word segmenter. Pure: NumPy only.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["SEP", "codepoints", "normalise", "normalise_many"]

SEP = 0  # code point that separates documents in a batch

_TABLE: np.ndarray | None = None


def _char_table() -> np.ndarray:
    """Map of every BMP code point to its normalised code point, or 0 when it is dropped.

    A character is kept when its NFKC form, lower-cased, is one letter or digit (this folds
    full-width Latin letters and digits, e.g. "Ａ３" -> "a3"); whitespace, punctuation and symbols
    are dropped.  Code points above the BMP (rare CJK extensions) are kept unchanged.
    """
    global _TABLE
    if _TABLE is None:
        table = np.zeros(0x10000, dtype=np.uint32)
        for cp in range(1, 0x10000):
            ch = chr(cp)
            if 0xD800 <= cp <= 0xDFFF:
                continue
            folded = unicodedata.normalize("NFKC", ch).lower()
            if len(folded) == 1 and folded.isalnum():
                table[cp] = ord(folded)
            elif ch.isalnum():
                table[cp] = ord(ch.lower()[0])
        _TABLE = table
    return _TABLE


def codepoints(texts: Sequence[str]) -> np.ndarray:
    """Normalised code points of a batch, every document preceded by a separator (0)."""
    table = _char_table()
    joined = "\0" + "\0".join(texts) + "\0"
    raw = np.frombuffer(joined.encode("utf-32-le", errors="replace"), dtype=np.uint32)
    bmp = raw < 0x10000
    mapped = np.where(bmp, table[np.minimum(raw, 0xFFFF)], raw)
    keep = (mapped != 0) | (raw == 0)
    return mapped[keep]


def normalise(text: str) -> str:
    """Canonical form of a text: NFKC-folded, lower case, no whitespace, no punctuation.

    Raw text and the same text split into space-separated words give the same result.
    """
    if not text:
        return ""
    cps = codepoints([text])
    return cps[cps != SEP].astype(np.uint32).tobytes().decode("utf-32-le")


def normalise_many(texts: Iterable[str]) -> list[str]:
    return [normalise(t) for t in texts]
