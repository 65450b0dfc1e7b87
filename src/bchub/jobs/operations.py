"""The operations bchub's jobs can run. Adding one is one line in ``default_registry``."""

from __future__ import annotations

from bchub.domain.runs import ItemOutcome, Outcome
from bchub.jobs.registry import JobContext, OperationSpec, Registry, body_operation
from bchub.jobs.webhooks import KEEP_WEBHOOKS
from bchub.sync.runner import OperationBody, OperationRun


def _test_body(ctx: JobContext) -> OperationBody:
    async def body(run: OperationRun) -> None:
        assert run.connection.id is not None
        report = await ctx.services.connections.test(run.connection.id)
        outcome = Outcome.UNCHANGED if report.passed else Outcome.FAILED
        with run.sessions.begin() as session:
            run.record(
                session,
                ItemOutcome("connection", run.connection.name, outcome, None if report.passed else report.reason()),
            )
        run.summary["test_requests"] = report.requests_sent

    return body


TEST_CONNECTION = body_operation(
    "test_connection", "test the connection", _test_body, runs_when_paused=True, interval_s=3600
)


def default_registry() -> Registry:
    operations: list[OperationSpec] = [TEST_CONNECTION, KEEP_WEBHOOKS]
    return Registry(operations)
