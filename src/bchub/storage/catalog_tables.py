"""Tables of the catalog area (registered on ``tables.Base.metadata``; see ``schema.py``)."""

from __future__ import annotations
