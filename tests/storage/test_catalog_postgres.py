"""The catalog on PostgreSQL: the migration matches the models, and an import's bulk statements
(RETURNING on executemany, upserts, NUMERIC amounts) work as on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bchub.app import Hub
from bchub.domain.runs import RunStatus
from bchub.storage import migrate
from bchub.storage.db import make_engine
from bchub.storage.schema import metadata
from bcsandbox import Sandbox
from bcsandbox.seed import seed_demo
from bcsandbox.testing import transport_for
from tests.support import servers
from tests.support.hub import make_settings
from tests.sync.test_catalog_helpers import MERCHANT, NORTH, add_connections

pytestmark = pytest.mark.anyio
postgres_server = servers.postgres_server
postgres_url = servers.postgres_url


@pytest.fixture
def pg_hub(sandbox: Sandbox, postgres_url: str, tmp_path: Path) -> Iterator[Hub]:
    seed_demo(sandbox, products=6, orders=0)
    with Hub(make_settings(tmp_path, database_url=postgres_url), transport=transport_for(sandbox)) as hub:
        add_connections(hub, sandbox)
        yield hub


def test_the_catalog_tables_match_their_migration_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    assert [diff for diff in diffs if "catalog_" in repr(diff)] == []
    engine.dispose()


async def test_imports_and_csv_on_postgres(pg_hub: Hub) -> None:
    vendor = await pg_hub.catalog.import_listings(NORTH)
    merchant = await pg_hub.catalog.import_listings(MERCHANT)
    assert vendor.status is merchant.status is RunStatus.SUCCEEDED
    assert (vendor.counts["created"], merchant.counts["linked"], merchant.counts["matched"]) == (18, 6, 6)
    again = await pg_hub.catalog.import_listings(MERCHANT)
    assert again.counts["unchanged"] == 16
    report = pg_hub.catalog.import_csv("sku,name,price,stock\nMRC-0001,House Blend,12.3456,3\nCSV-1,Apron,0.1,2\n")
    assert report.counts() == {"created": 1, "updated": 1}
    item = pg_hub.catalog.item("MRC-0001").item
    assert item.data.price == Decimal("12.3456") and item.stock["csv"] == 3
    assert pg_hub.catalog.item("CSV-1").item.data.price == Decimal("0.1")
