"""Shapes of the assessment API (the contract of issue 6)."""

from __future__ import annotations

from pydantic import BaseModel


class RateItem(BaseModel):
    key: str
    name: str
    dispatched: int
    assessed: int
    response_rate: float | None  # fractions 0–1; null when the denominator is 0
    resolution_rate: float | None
    satisfaction_rate: float | None
    score: float | None
    excluded: int


class RatePage(BaseModel):
    month: str
    by: str
    source: str  # "rollup" (the cube, as of its last refresh) or "live" (a scan of orders)
    items: list[RateItem]


class RankingItem(RateItem):
    rank: int | None
    tier: str | None  # 先进类 / 进步类 / 整改类 / 治理类
    tier_code: str | None
    previous_score: float | None
    change: float | None


class RankingPage(BaseModel):
    month: str
    ranked: int
    items: list[RankingItem]


class OrderBehind(BaseModel):
    id: int
    number: str
    counts: float  # what the order adds to the numerator: 1, 0 or the 基本满意 weight


class OrdersBehindPage(BaseModel):
    month: str
    by: str
    key: str
    measure: str
    total: int
    items: list[OrderBehind]


class WhistleStreet(BaseModel):
    key: str
    name: str
    whistles: int
    orders: int


class WhistleUnit(BaseModel):
    key: str
    name: str
    received: int
    accepted: int
    replied: int
    replied_in_time: int
    acceptance_rate: float | None
    in_time_rate: float | None


class WhistlePage(BaseModel):
    month: str
    streets: list[WhistleStreet]
    units: list[WhistleUnit]


class RefreshRead(BaseModel):
    months: dict[str, int]  # month → cells written
