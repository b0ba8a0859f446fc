"""Vocabularies of the request taxonomy (the levels)."""

from huitian.lib.vocab import IntVocabulary


class CategoryLevel(IntVocabulary):
    FIRST = (1, "一级分类")
    SECOND = (2, "二级分类")
    THIRD = (3, "三级分类")
