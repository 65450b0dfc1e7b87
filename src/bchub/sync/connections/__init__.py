"""The connection service: add, change, test and watch the health of store connections.

Interfaces (CLI, REST API, console) call only ``ConnectionService`` and ``AppInstaller``; the
service owns the transactions, the secrets and the BigCommerce calls.
"""

from bchub.sync.connections.app_install import AppInstaller, InstalledStore
from bchub.sync.connections.inputs import CredentialInput, ResolvedCredentials, resolve_credentials
from bchub.sync.connections.probe import Problem, ScopeCheck, TestReport
from bchub.sync.connections.service import ClientFactory, ConnectionChanges, ConnectionService, NewConnection

__all__ = [
    "AppInstaller",
    "ClientFactory",
    "ConnectionChanges",
    "ConnectionService",
    "CredentialInput",
    "InstalledStore",
    "NewConnection",
    "Problem",
    "ResolvedCredentials",
    "ScopeCheck",
    "TestReport",
    "resolve_credentials",
]
