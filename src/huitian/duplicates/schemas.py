"""Duplicate candidates as read by the API."""

from __future__ import annotations

from pydantic import BaseModel


class Reason(BaseModel):
    code: str
    label: str


class DuplicateCandidate(BaseModel):
    id: int
    number: str
    title: str
    status: str
    score: float
    text_similarity: float
    distance_m: float | None
    hours_apart: float
    reasons: list[Reason]


class DuplicatesRead(BaseModel):
    order: str
    candidates: list[DuplicateCandidate]
