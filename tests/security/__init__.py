"""Security checks, in one place.

- Secrets at rest: ``test_secrets_at_rest.py`` (OAuth app install, webhook secret, console
  password, API tokens, a store API account's client secret) and, for a whole session of imports,
  routing and shipments under faults with a revoked and replaced token,
  ``tests/faults/test_secrets_after_session.py``.
- Secrets in output: every test's bchub logs and CLI output are checked for sandbox tokens and
  secrets by the autouse guard in ``tests/conftest.py`` (``tests/support/secrets_guard.py``).
- OAuth callbacks: ``test_oauth_payloads.py`` (``signed_payload_jwt`` forged, for another app,
  expired, not yet valid, ``alg: none``, other algorithms, tampered, malformed; codes replayed or
  for another store), with ``tests/interfaces/test_bigcommerce_app.py``.
- Console and API access: logins, CSRF tokens, cookies and security headers in
  ``tests/interfaces/test_console_auth.py``; bearer tokens (missing, wrong, revoked, expired,
  stored only as hashes) in ``tests/interfaces/test_api_auth.py``.
- Webhook receiver: missing, wrong and forged secret headers, oversized and malformed bodies,
  replays, and fuzzing: ``tests/corpus/test_webhooks.py``.
"""
