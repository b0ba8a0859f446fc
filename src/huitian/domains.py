"""The domain folders of the package and their rooms (api.py, web.py, jobs.py, models.py …).

A new domain folder is picked up by the app, the worker and Alembic without editing a list."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

PACKAGE = Path(__file__).parent


def names(room: str) -> list[str]:
    """The domains that have a `room`.py, in name order."""
    return sorted(p.parent.name for p in PACKAGE.glob(f"*/{room}.py"))


def modules(room: str) -> list[ModuleType]:
    """The `room` module of every domain that has one, in name order."""
    return [importlib.import_module(f"huitian.{name}.{room}") for name in names(room)]
