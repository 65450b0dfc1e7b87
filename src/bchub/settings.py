"""bchub's settings, in one place: defaults, then an optional TOML file, then ``BCHUB_*`` variables.

Every field can be set in the TOML file (``database_url = "…"``) or as an environment variable
(``BCHUB_DATABASE_URL``); the environment wins. The file is ``$BCHUB_CONFIG`` or, when that is
unset, ``~/.config/bchub/config.toml`` if it exists. Secrets are ``SecretStr`` so they never show
in a repr or a validation error.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator, model_validator

from bchub.errors import ConfigurationError

ENV_PREFIX = "BCHUB_"
CONFIG_ENV = "BCHUB_CONFIG"


def _xdg(variable: str, fallback: str, env: Mapping[str, str]) -> Path:
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    base = Path(env[variable]) if env.get(variable) else home / fallback
    return base.expanduser() / "bchub"


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/bchub``, i.e. ``~/.local/share/bchub`` on most systems."""
    return _xdg("XDG_DATA_HOME", ".local/share", os.environ if env is None else env)


def default_config_file(env: Mapping[str, str] | None = None) -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config", os.environ if env is None else env) / "config.toml"


class Settings(BaseModel):
    """Typed settings; build them with ``load_settings()`` rather than by hand."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data_dir: Path
    database_url: str = ""  # empty: SQLite at data_dir/bchub.db
    secret_key: SecretStr | None = None  # Fernet key(s), comma separated, newest first
    secret_key_file: Path | None = None  # None: data_dir/secret.key
    api_token: SecretStr | None = None  # optional bootstrap bearer token for /api/v1; normal ones: bchub tokens create
    bigcommerce_api_url: str = "https://api.bigcommerce.com"
    http_timeout: float = 30.0
    auto_migrate: bool = True  # bring the database schema up to date when the hub opens
    # bchub as a BigCommerce app (OAuth install)
    oauth_client_id: str | None = None
    oauth_client_secret: SecretStr | None = None
    oauth_login_url: str = "https://login.bigcommerce.com"
    public_url: str | None = None  # where BigCommerce reaches us, e.g. https://hub.example.com
    oauth_default_role: str = "merchant"
    # jobs: empty broker_url runs them in-process (embedded); a Redis URL runs them on Celery workers
    broker_url: str = ""
    webhook_secret: SecretStr | None = None  # the custom header on our hooks; unset: derived from the secret key
    workers: int = 2  # embedded job workers in `bchub serve`
    scheduler_tick: float = 5.0  # seconds between looks at the schedules

    @field_validator("bigcommerce_api_url", "oauth_login_url", "public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("http_timeout", "scheduler_tick", "workers")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value

    @model_validator(mode="before")
    @classmethod
    def _fill_paths(cls, values: Any) -> Any:
        """The database and the key file live in ``data_dir`` unless set."""
        if not isinstance(values, dict) or not values.get("data_dir"):
            return values
        data_dir = Path(str(values["data_dir"])).expanduser()
        filled = {**values, "data_dir": data_dir}
        if not filled.get("database_url"):
            filled["database_url"] = f"sqlite:///{data_dir / 'bchub.db'}"
        if not filled.get("secret_key_file"):
            filled["secret_key_file"] = data_dir / "secret.key"
        return filled

    @property
    def key_file(self) -> Path:
        assert self.secret_key_file is not None  # filled by _fill_paths
        return self.secret_key_file

    @property
    def oauth_auth_callback(self) -> str | None:
        """The ``/bigcommerce/auth`` URL registered with BigCommerce, when ``public_url`` is known."""
        return f"{self.public_url}/bigcommerce/auth" if self.public_url else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigurationError(f"cannot read the settings file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"the settings file {path} is not valid TOML: {exc}") from None
    section = data.get("bchub", data)  # a [bchub] table, or top-level keys
    if not isinstance(section, dict):
        raise ConfigurationError(f"the settings file {path}: [bchub] must be a table")
    return section


def _from_env(env: Mapping[str, str]) -> dict[str, str]:
    fields = set(Settings.model_fields)
    values: dict[str, str] = {}
    for key, value in env.items():
        if key.startswith(ENV_PREFIX) and key != CONFIG_ENV:
            name = key[len(ENV_PREFIX) :].lower()
            if name in fields:
                values[name] = value
    return values


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_input=False):
        field = ".".join(str(piece) for piece in item["loc"]) or "settings"
        parts.append(f"{field} ({ENV_PREFIX}{field.upper()}): {item['msg']}")
    return "; ".join(parts)


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    config_file: Path | None = None,
    **overrides: Any,
) -> Settings:
    """Defaults < TOML file < environment < ``overrides`` (explicit arguments, e.g. CLI options)."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {"data_dir": default_data_dir(env)}
    path = config_file or (Path(env[CONFIG_ENV]).expanduser() if env.get(CONFIG_ENV) else None)
    if path is None and default_config_file(env).is_file():
        path = default_config_file(env)
    if path is not None:
        values.update(_read_toml(path))
    values.update(_from_env(env))
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise ConfigurationError(f"invalid settings: {_describe(exc)}") from None
