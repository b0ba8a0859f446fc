"""Vocabularies of the units domain."""

from enum import StrEnum


class UnitKind(StrEnum):
    HOTLINE_CENTRE = "hotline_centre"
    CITY_COMMISSION = "city_commission"
    DISTRICT_GOVERNMENT = "district_government"
    DISTRICT_BUREAU = "district_bureau"
    STREET_OFFICE = "street_office"
    COMMUNITY_COMMITTEE = "community_committee"
    UTILITY = "utility"
    PROPERTY_COMPANY = "property_company"

    @property
    def label(self) -> str:
        return UNIT_KIND_LABELS[self]


UNIT_KIND_LABELS = {
    UnitKind.HOTLINE_CENTRE: "热线中心",
    UnitKind.CITY_COMMISSION: "市级委办局",
    UnitKind.DISTRICT_GOVERNMENT: "区政府",
    UnitKind.DISTRICT_BUREAU: "区级委办局",
    UnitKind.STREET_OFFICE: "街道(乡镇)",
    UnitKind.COMMUNITY_COMMITTEE: "社区居委会",
    UnitKind.UTILITY: "公共服务企业",
    UnitKind.PROPERTY_COMPANY: "物业服务企业",
}
