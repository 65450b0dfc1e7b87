from __future__ import annotations

from tests.support import servers

postgres_server = servers.postgres_server
postgres_url = servers.postgres_url
redis_server = servers.redis_server
redis_url = servers.redis_url
