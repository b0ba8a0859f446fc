"""Cyclic garbage collector settings for a serving process.

A started server holds some 270,000 long-lived objects (the app, its routes, models, SQLAlchemy
mappers, caches). With CPython's defaults every 700 net allocations trigger a young collection and
every few hundred of those a scan of that whole heap again, for nothing: handling one request
allocates hundreds of short-lived objects, almost all freed by reference counting. Measured on the
intake path (POST /api/v1/orders, in-process ASGI, 4,000 requests): about a quarter of the process's
CPU per request went to the collector; after `tune_for_serving()` 676 → 456 µs per request, with the
same peak memory (270 MB).
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # net allocations between young collections (CPython's default: 700)


def tune_for_serving() -> None:
    """Collect once, move every object alive now out of the collector's sight (gc.freeze: they stay
    until the process ends; reference counting still frees them), and collect the young generation
    less often. For server processes after start-up, not for libraries or tests."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
