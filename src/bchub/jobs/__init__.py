"""Jobs: every operation runs as a recorded job — on demand, on a schedule, or from a webhook.

Embedded mode (the default) runs workers and the scheduler in the ``bchub serve`` process on
the hub's database; distributed mode (``BCHUB_BROKER_URL`` set to Redis) runs them on Celery
workers and Celery beat, with each store's API quota shared through Redis.
"""
