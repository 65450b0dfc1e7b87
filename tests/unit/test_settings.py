from __future__ import annotations

import re
from pathlib import Path

import pytest

from bchub.errors import ConfigurationError
from bchub.settings import Settings, load_settings


def test_defaults_live_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"HOME": str(tmp_path)})
    data_dir = tmp_path / ".local/share/bchub"
    assert settings.data_dir == data_dir
    assert settings.database_url == f"sqlite:///{data_dir / 'bchub.db'}"
    assert settings.key_file == data_dir / "secret.key"
    assert settings.bigcommerce_api_url == "https://api.bigcommerce.com"
    assert settings.api_token is None


def test_xdg_data_home_is_respected(tmp_path: Path) -> None:
    settings = load_settings({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert settings.data_dir == tmp_path / "xdg/bchub"


def test_toml_file_then_environment_then_arguments(tmp_path: Path) -> None:
    config = tmp_path / "bchub.toml"
    config.write_text(
        '[bchub]\ndatabase_url = "sqlite:////from/file.db"\nhttp_timeout = 5\npublic_url = "https://hub.example.com/"\n'
    )
    env = {"HOME": str(tmp_path), "BCHUB_CONFIG": str(config), "BCHUB_HTTP_TIMEOUT": "7.5", "BCHUB_UNKNOWN": "x"}
    settings = load_settings(env)
    assert settings.database_url == "sqlite:////from/file.db"
    assert settings.http_timeout == 7.5  # the environment beats the file
    assert settings.oauth_auth_callback == "https://hub.example.com/bigcommerce/auth"
    assert load_settings(env, http_timeout=1.0).http_timeout == 1.0  # explicit arguments beat both


def test_default_config_file_is_read_when_present(tmp_path: Path) -> None:
    config = tmp_path / ".config/bchub/config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('api_token = "from-the-file-1234"\n')
    settings = load_settings({"HOME": str(tmp_path)})
    assert settings.api_token is not None
    assert settings.api_token.get_secret_value() == "from-the-file-1234"


def test_secrets_do_not_show_in_repr(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "HOME": str(tmp_path),
            "BCHUB_API_TOKEN": "api-token-0123456789",
            "BCHUB_OAUTH_CLIENT_SECRET": "oauth-secret-987654",
        }
    )
    assert "api-token-0123456789" not in repr(settings)
    assert "oauth-secret-987654" not in repr(settings)


def test_invalid_values_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="BCHUB_HTTP_TIMEOUT"):
        load_settings({"HOME": str(tmp_path), "BCHUB_HTTP_TIMEOUT": "soon"})


def test_broken_toml_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("database_url = \n")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings({"HOME": str(tmp_path)}, config_file=config)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_settings({"HOME": str(tmp_path)}, config_file=tmp_path / "missing.toml")


def test_the_readme_configuration_table_documents_every_setting() -> None:
    """Every setting has its row (TOML key and variable) in the README, so the reference cannot drift."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \| `BCHUB_([A-Z_]+)` \|", section, flags=re.MULTILINE))
    expected = {(name, name.upper()) for name in Settings.model_fields}
    assert documented == expected
