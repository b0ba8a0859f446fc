"""Labelled vocabularies: enums whose members carry their Chinese label beside the value that is stored.

    class Priority(Vocabulary):
        NORMAL = ("normal", "一般")
        URGENT = ("urgent", "紧急")

A member is declared as `(value, label)`. The value is what the database and the API keep, unchanged:
`Priority.URGENT.value == "urgent"`, and a `Vocabulary` is a `StrEnum`, so `Priority.URGENT == "urgent"` and
`Priority("urgent") is Priority.URGENT`. `Priority.URGENT.label == "紧急"` is what a person reads.
`Priority.choices()` gives the `(value, label)` pairs of an option list, `Priority.labels()` the value → label
table. `IntVocabulary` is the same over `IntEnum`, for vocabularies stored as numbers.

Extra properties and methods (a state's `is_open`, a cycle's `days`) are written in the enum as usual.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any


class _Labelled:
    """What both kinds of vocabulary share: the label, and the option lists built from the members."""

    _label: str
    value: Any

    @property
    def label(self) -> str:
        """The member's Chinese label (zh-CN), for people; the value is for machines."""
        return self._label

    @classmethod
    def choices(cls) -> list[tuple[Any, str]]:
        """`(value, label)` for every member, in declaration order (an option list)."""
        return [(m.value, m.label) for m in cls]  # type: ignore[attr-defined]

    @classmethod
    def labels(cls) -> dict[Any, str]:
        """`value → label` for every member, in declaration order."""
        return {m.value: m.label for m in cls}  # type: ignore[attr-defined]


class Vocabulary(_Labelled, StrEnum):
    """A `StrEnum` whose members are declared `NAME = ("value", "标签")`."""

    def __new__(cls, value: str, label: str) -> Vocabulary:
        if not isinstance(value, str) or not isinstance(label, str):
            raise TypeError(f"{cls.__name__}: a member is (value: str, label: str), got {value!r}, {label!r}")
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member


class IntVocabulary(_Labelled, IntEnum):
    """An `IntEnum` whose members are declared `NAME = (1, "标签")`."""

    def __new__(cls, value: int, label: str) -> IntVocabulary:
        if not isinstance(value, int) or isinstance(value, bool) or not isinstance(label, str):
            raise TypeError(f"{cls.__name__}: a member is (value: int, label: str), got {value!r}, {label!r}")
        member = int.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member
