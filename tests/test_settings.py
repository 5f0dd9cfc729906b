from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings, settings_table


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_defaults_use_the_embedded_stack() -> None:
    settings = Settings()
    assert settings.stack == "embedded"
    assert settings.needs_embedded_mongodb
    assert settings.needs_embedded_s3


def test_external_stack_needs_both_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STACK", "external")
    monkeypatch.setenv("MONGODB_URI", "mongodb://db:27017/?replicaSet=rs0")
    with pytest.raises(ValidationError, match="needs both MONGODB_URI and S3_ENDPOINT"):
        Settings()
    monkeypatch.setenv("S3_ENDPOINT", "minio:9000")
    monkeypatch.setenv("S3_ACCESS_KEY", "key")
    monkeypatch.setenv("S3_SECRET_KEY", "secret")
    with pytest.raises(ValidationError, match="needs OAUTH_KEYS_SECRET and SESSION_SECRET"):
        Settings()
    monkeypatch.setenv("OAUTH_KEYS_SECRET", "keys")
    monkeypatch.setenv("SESSION_SECRET", "session")
    settings = Settings()
    assert not settings.needs_embedded_mongodb
    assert not settings.needs_embedded_s3


def test_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example,")
    assert Settings().cors_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "needs S3_SSE_C_KEY"),
        ("not base64!", "not valid base64"),
        (base64.b64encode(b"short").decode(), "32 bytes"),
    ],
)
def test_sse_c_needs_a_32_byte_key(
    monkeypatch: pytest.MonkeyPatch, key: str | None, message: str
) -> None:
    monkeypatch.setenv("S3_SSE", "c")
    if key is not None:
        monkeypatch.setenv("S3_SSE_C_KEY", key)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_secrets_do_not_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://user:hunter2@db/")
    monkeypatch.setenv("S3_ENDPOINT", "minio:9000")
    monkeypatch.setenv("S3_ACCESS_KEY", "key")
    monkeypatch.setenv("S3_SECRET_KEY", "s3cr3t")
    text = repr(Settings())
    assert "hunter2" not in text
    assert "s3cr3t" not in text


def test_the_readme_documents_every_setting_with_its_default(project_root: Path) -> None:
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, (
        "the README's configuration table is out of date; paste the output of "
        "`.venv/bin/python -m api.settings`"
    )


def test_an_invalid_access_matrix_stops_the_service_with_its_problems(
    tmp_path: Path,
) -> None:
    path = tmp_path / "matrix.toml"
    path.write_text('[professions."99"]\nread = ["11488-4"]\n', encoding="utf-8")
    with pytest.raises(ValidationError, match="'99' is not a TRE_G15 code"):
        Settings(access_matrix_path=path)
