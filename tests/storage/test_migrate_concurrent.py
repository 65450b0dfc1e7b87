"""Workers that start together on an empty PostgreSQL database all migrate it without tripping over each other."""

from __future__ import annotations

import threading

from bchub.storage import migrate
from bchub.storage.db import make_engine
from tests.support import servers

postgres_server = servers.postgres_server
postgres_url = servers.postgres_url

WORKERS = 4


def test_concurrent_upgrades_of_a_fresh_postgres_database_all_succeed(postgres_url: str) -> None:
    engines = [make_engine(postgres_url) for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def upgrade(index: int) -> None:
        start.wait()
        try:
            migrate.upgrade(engines[index])
        except BaseException as exc:  # collected and asserted below: any failure of any worker fails the test
            errors.append(exc)

    threads = [threading.Thread(target=upgrade, args=(index,)) for index in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for engine in engines:
        engine.dispose()
    assert errors == []
    assert migrate.current_revision(make_engine(postgres_url)) == migrate.head_revision()
