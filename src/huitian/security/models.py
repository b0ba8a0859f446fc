"""Rate-limit hits shared by every app process on one database (see ratelimit.DbWindow)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from huitian.db import Base, UTCDateTime


class RateHit(Base):
    """One counted request: `bucket` names the limiter (e.g. `public_filing:phone`), `key` is a keyed
    hash of the address, phone number or username (never the value itself: phones are personal data)."""

    __tablename__ = "security_rate_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_security_rate_hits_bucket_key_at", "bucket", "key", "at"),)
