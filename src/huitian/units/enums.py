"""Vocabularies of the units domain."""

from huitian.lib.vocab import Vocabulary


class UnitKind(Vocabulary):
    HOTLINE_CENTRE = ("hotline_centre", "热线中心")
    CITY_COMMISSION = ("city_commission", "市级委办局")
    DISTRICT_GOVERNMENT = ("district_government", "区政府")
    DISTRICT_BUREAU = ("district_bureau", "区级委办局")
    STREET_OFFICE = ("street_office", "街道(乡镇)")
    COMMUNITY_COMMITTEE = ("community_committee", "社区居委会")
    UTILITY = ("utility", "公共服务企业")
    PROPERTY_COMPANY = ("property_company", "物业服务企业")
