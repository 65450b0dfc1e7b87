from tests.support import hub as hub_fixtures
from tests.support import secrets_guard as guard_fixtures

hub = hub_fixtures.hub
hub_settings = hub_fixtures.hub_settings
secrets_guard = guard_fixtures.secrets_guard
