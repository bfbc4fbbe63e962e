"""How the serving process runs Python: the garbage collector tuned for a request server.

A lead provider's 1,000-row page creates hundreds of thousands of short-lived objects
(rows, futures, per-field results). With CPython's default thresholds (700, 10, 10) the
cyclic collector runs so often under concurrent requests that issue 11 measured it at
58% of CPU, and each full collection walks every long-lived object of the process
(modules, the schema, SQLAlchemy's mappers). So, once the app is built:

- ``gc.freeze()`` moves everything alive at start-up into a permanent generation that
  collections never walk again;
- a higher first threshold lets young objects die by reference counting before a
  collection looks at them (almost none of a request's objects are in cycles).

``GATEWAY_GC_TUNING=off`` keeps CPython's defaults (for measuring; bench/load.py).
"""

from __future__ import annotations

import gc
import os

THRESHOLDS = (50_000, 20, 100)
"""Generation 0 collects after 50,000 allocations (default 700); the older generations
as usual, relative to it."""


def tune_gc() -> bool:
    """Freeze start-up objects and raise the collector's thresholds; False when turned
    off by ``GATEWAY_GC_TUNING=off``."""
    if os.environ.get("GATEWAY_GC_TUNING", "on").lower() in ("off", "0", "false", "no"):
        return False
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    return True
