"""The request taxonomy (诉求分类): three levels, data not code."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    path: Mapped[str] = mapped_column(String(120), index=True)  # "/01/0103/010302/": subtree filters
    time_limit_class: Mapped[str] = mapped_column(String(16), default="ordinary")
    unit_hint: Mapped[str | None] = mapped_column(String(40))  # a unit code or kind, for routing
    active: Mapped[bool] = mapped_column(Boolean, default=True)
