"""Gazetteer: place an order without coordinates from its address text (地名匹配).

Names come from the areas (community, street, grid names and their everyday compound forms: 天通北苑第二
社区 → 天通北苑二区, 龙泽苑社区 → 龙泽苑) plus extra aliases (e.g. road names of a street). A text is matched
against every name; the longest name found wins (the most specific), ties go to the finer level. Pure: the
caller gives the entries; no database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from huitian.lib.textnorm import normalise

LEVEL_RANK = {"grid": 4, "community": 3, "street": 2, "district": 1}
GENERIC = ("社区", "街道", "网格", "地区", "办事处", "村委会", "居委会")


@dataclass(frozen=True)
class Entry:
    name: str
    code: str
    level: str


@dataclass(frozen=True)
class Match:
    code: str
    level: str
    name: str


def compound_name(community: str) -> str:
    """The everyday name of a community's compound: 天通北苑第二社区 → 天通北苑二区, 龙泽苑社区 → 龙泽苑."""
    base = community.removesuffix("社区")
    if len(base) >= 3 and base[-2] == "第" and base[-1] in "一二三四五六七八九":
        return f"{base[:-2]}{base[-1]}区"
    return base


def names_of(name: str, level: str) -> set[str]:
    """A place's name and its everyday forms, normalised; none shorter than two characters."""
    forms = {name}
    if level == "community":
        forms.add(compound_name(name))
    for suffix in GENERIC:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            forms.add(name.removesuffix(suffix))
    return {normalise(f) for f in forms if len(f) >= 2}


class Gazetteer:
    def __init__(self, entries: Iterable[Entry]) -> None:
        self._by_name: dict[str, Entry] = {}
        for e in entries:
            for form in names_of(e.name, e.level):
                old = self._by_name.get(form)
                if old is None or LEVEL_RANK.get(e.level, 0) > LEVEL_RANK.get(old.level, 0):
                    self._by_name[form] = e
        self._lengths = sorted({len(n) for n in self._by_name}, reverse=True)

    def match(self, text: str) -> Match | None:
        """The most specific named place in ``text``, or None."""
        t = normalise(text)
        best: tuple[int, int, Entry] | None = None
        for n in self._lengths:
            for i in range(len(t) - n + 1):
                e = self._by_name.get(t[i : i + n])
                if e is not None:
                    key = (n, LEVEL_RANK.get(e.level, 0), e)
                    if best is None or key[:2] > best[:2]:
                        best = key
            if best is not None:
                break
        return None if best is None else Match(code=best[2].code, level=best[2].level, name=best[2].name)
