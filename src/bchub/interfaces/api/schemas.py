"""Request and response bodies of ``/api/v1/connections``.

Secrets come in as ``SecretStr`` (never echoed, not even in a validation error) and go out only
as their hint, ``****abcd``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from bchub.domain.connections import Role
from bchub.sync.connections import CredentialInput


class CredentialFields(BaseModel):
    """Any combination of the forms people hold BigCommerce credentials in."""

    model_config = ConfigDict(extra="forbid")

    store_hash: str | None = Field(None, description="A bare store hash, e.g. abc123.")
    api_path: str | None = Field(None, description="https://api.bigcommerce.com/stores/<hash>/v3/")
    store_url: str | None = Field(None, description="Storefront or control-panel URL.")
    credentials_file: SecretStr | None = Field(None, description="The text of the credentials .txt file.")
    key: SecretStr | None = Field(None, description="ClientID:AccessToken")
    access_token: SecretStr | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None

    def credentials(self) -> CredentialInput:
        def plain(value: SecretStr | None) -> str | None:
            return value.get_secret_value() if value is not None else None

        return CredentialInput(
            store_hash=self.store_hash,
            api_path=self.api_path,
            store_url=self.store_url,
            credentials_file=plain(self.credentials_file),
            key=plain(self.key),
            access_token=plain(self.access_token),
            client_id=self.client_id,
            client_secret=plain(self.client_secret),
        )


class ConnectionCreate(CredentialFields):
    name: str | None = Field(None, description="Default: the credentials file's NAME, else store-<hash>.")
    role: Role = Role.MERCHANT
    enabled: bool = True
    operations: list[str] | None = Field(None, description="Operation keys to enable; default all of the role's.")
    settings: dict[str, Any] = Field(default_factory=dict)


class ConnectionUpdate(CredentialFields):
    name: str | None = None
    role: Role | None = None
    enabled: bool | None = None
    operations: list[str] | None = Field(None, description="[] enables every operation of the role again.")
    settings: dict[str, Any] | None = Field(None, description="Merged into the current settings; null removes a key.")


class HealthOut(BaseModel):
    status: str
    reason: str | None
    checked_at: str | None


class QuotaOut(BaseModel):
    requests: int = Field(description="Requests allowed per window.")
    window_ms: int
    per_day: int | None = Field(description="The daily allowance; null when the plan has no fixed limit.")
    unlimited: bool
    text: str = Field(description='As people say it, e.g. "150 requests per 30 s (432,000 a day)".')
    seen_at: str | None


class ConnectionOut(BaseModel):
    id: int
    name: str
    role: str
    store_hash: str
    store_name: str | None
    store_url: str | None
    auth_type: str
    enabled: bool
    paused: bool
    health: HealthOut
    access_token: str | None = Field(description="Only the last four characters, e.g. ****abcd.")
    client_id: str | None
    client_secret: str | None = Field(description="Only the last four characters.")
    scopes: list[str] | None
    plan: str | None = Field(description="The store's plan, as its last passing connection test read it.")
    quota: QuotaOut | None = Field(description="The API quota the store's responses last stated.")
    operations: list[str]
    settings: dict[str, Any]
    created_at: str | None
    updated_at: str | None


class ProblemOut(BaseModel):
    kind: str
    message: str
    fix: str


class MissingScopeOut(BaseModel):
    scope: str
    access: str
    label: str
    blocks: list[str]


class ScopeCheckOut(BaseModel):
    scope: str
    granted: bool | None
    evidence: str


class TestOut(BaseModel):
    passed: bool
    headline: str
    connection: str
    store_hash: str
    store_name: str | None
    plan: str | None
    api_url: str
    problems: list[ProblemOut]
    missing_scopes: list[MissingScopeOut]
    scope_fix: str | None
    checks: list[ScopeCheckOut]
    requests_sent: int


# -- /api/v1/users and /api/v1/tokens -------------------------------------------------------------


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(description="Letters, digits and . _ @ + - (an email address works); case-insensitive.")
    password: SecretStr = Field(description="At least 8 characters, not the username. Never returned or logged.")


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: SecretStr = Field(description="The new password: at least 8 characters, not the username.")


class UserOut(BaseModel):
    id: int
    username: str
    created_at: str
    last_login_at: str | None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Who or what uses the token, e.g. 'ci' or 'erp-sync'; unique, even once revoked.")
    expires_days: int | None = Field(None, description="Stop working after this many days (1–3650); null: never.")


class TokenOut(BaseModel):
    """A stored token as lists show it: never its value, only its first characters."""

    id: int
    name: str
    prefix: str = Field(description="The token's first characters (e.g. bchub_Ab3x), to tell tokens apart.")
    state: str = Field(description="active, revoked or expired.")
    created_at: str
    expires_at: str | None
    last_used_at: str | None
    revoked_at: str | None


class TokenCreated(TokenOut):
    value: str = Field(description="The token itself. Shown in this answer only: the hub keeps just its hash.")
