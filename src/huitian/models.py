"""Imports every domain's tables so that Base.metadata is complete (Alembic, tests, the demo).

Each domain folder with a models.py is imported; a new domain needs no edit here."""

from __future__ import annotations

from huitian import domains
from huitian.db import Base

domains.modules("models")

metadata = Base.metadata
