"""Tables of the order area (registered on ``tables.Base.metadata``; see ``schema.py``)."""

from __future__ import annotations
