"""Vocabularies of the areas domain."""

from enum import StrEnum

from huitian.lib.vocab import Vocabulary


class AreaLevel(Vocabulary):
    DISTRICT = ("district", "区")
    STREET = ("street", "街道/镇")
    COMMUNITY = ("community", "社区")
    GRID = ("grid", "网格")

    @property
    def depth(self) -> int:
        return ["district", "street", "community", "grid"].index(self.value)


class Crs(StrEnum):
    """Coordinate reference systems a point may arrive in; we store WGS-84."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"
