"""Per-request batching loaders (aiodataloader), every one scoped by the policy module.

``Loaders`` is the per-request registry. A loader is found by everything that decides
its result: ``by_id(Model)`` (rows by primary key under the model's rule), or a named
loader class with its parameters (``loaders.get(ECTPeriodsBySchool, current=True)``):
the class fixes the model, key column, rule and ordering, so two reads that differ in
any of them can never share a cache. The classes live beside their domain
(``gateway/loaders/<domain>.py``), as Saleor keeps its ``dataloaders.py``.

Each batch is one SELECT built by ``policy.Scope``, so sibling fields at one depth cost
one statement, and a row the viewer may not see loads as None (or is missing from the
list).
"""

from gateway.loaders.base import Loaders, RowsById, RowsByKey

__all__ = ["Loaders", "RowsById", "RowsByKey"]
