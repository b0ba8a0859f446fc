"""Vocabularies of the request taxonomy (the levels)."""

from enum import IntEnum


class CategoryLevel(IntEnum):
    FIRST = 1
    SECOND = 2
    THIRD = 3

    @property
    def label(self) -> str:
        return {1: "一级分类", 2: "二级分类", 3: "三级分类"}[self.value]
