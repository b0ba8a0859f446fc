"""Imports every domain's tables so that Base.metadata is complete (Alembic, tests, the demo).

Each domain folder with a models.py is imported; a new domain needs no edit here."""

from __future__ import annotations

import importlib
from pathlib import Path

from huitian.db import Base

PACKAGE = Path(__file__).parent
DOMAINS = sorted(p.parent.name for p in PACKAGE.glob("*/models.py"))

for _domain in DOMAINS:
    importlib.import_module(f"huitian.{_domain}.models")

metadata = Base.metadata
