"""The complete schema: importing this module registers every table on ``Base.metadata``.

Table modules are split by area (connections and runs, catalog, orders); Alembic's environment
and the schema tests import this module so none is forgotten.
"""

from __future__ import annotations

from bchub.storage import auth_tables, catalog_tables, job_tables, order_tables, publish_tables, tables
from bchub.storage.tables import Base

metadata = Base.metadata
MODULES = (tables, catalog_tables, order_tables, job_tables, auth_tables, publish_tables)
