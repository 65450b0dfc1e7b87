"""Building the job layer from settings: embedded (SQLite, threads) or distributed (Celery, Redis).

``broker_url`` decides: empty runs jobs in-process and keeps the rate-limit budgets in memory;
a Redis URL sends jobs to Celery workers and shares the budgets through that Redis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bchub.bigcommerce.ratelimit import InMemoryLimiterBackend, LimiterBackend
from bchub.jobs.dispatch import CeleryDispatcher, Dispatcher, WakeUp
from bchub.jobs.operations import default_registry
from bchub.jobs.redis_limiter import RedisLimiterBackend
from bchub.jobs.registry import Registry, Services
from bchub.jobs.service import JobService
from bchub.jobs.webhooks import WebhookIntake, WebhookSecrets
from bchub.settings import Settings
from bchub.storage.secrets import SecretBox
from bchub.sync.connections.service import ClientFactory, ConnectionService


def distributed(settings: Settings) -> bool:
    return bool(settings.broker_url)


def limiter_backend_for(settings: Settings) -> LimiterBackend:
    """One budget per store for every client of this process, or of every process via Redis."""
    if distributed(settings):
        # a slot held longer than any request can take belongs to a worker that died
        return RedisLimiterBackend(settings.broker_url, holder_stale_s=max(60.0, settings.http_timeout * 2))
    return InMemoryLimiterBackend()


def dispatcher_for(settings: Settings) -> Dispatcher:
    return CeleryDispatcher(settings.broker_url) if distributed(settings) else WakeUp()


@dataclass
class JobLayer:
    jobs: JobService
    webhooks: WebhookIntake


def build_job_layer(
    settings: Settings,
    sessions: sessionmaker[Session],
    connections: ConnectionService,
    clients: ClientFactory,
    secret_box: Callable[[], SecretBox],
    registry: Registry | None = None,
) -> JobLayer:
    secrets = WebhookSecrets(settings.webhook_secret, secret_box)
    services = Services(
        sessions=sessions,
        connections=connections,
        clients=clients,
        public_url=settings.public_url,
        webhook_secret=secrets.current,
    )
    jobs = JobService(services, registry or default_registry(), dispatcher_for(settings))
    return JobLayer(jobs, WebhookIntake(jobs, secrets))
