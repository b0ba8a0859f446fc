"""Vocabularies of the areas domain."""

from enum import StrEnum


class AreaLevel(StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def label(self) -> str:
        return {"district": "区", "street": "街道/镇", "community": "社区", "grid": "网格"}[self.value]

    @property
    def depth(self) -> int:
        return ["district", "street", "community", "grid"].index(self.value)


class Crs(StrEnum):
    """Coordinate reference systems a point may arrive in; we store WGS-84."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"
