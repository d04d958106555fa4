from __future__ import annotations

import pytest

from review import settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("WALKWISE_VAR_DIR", str(tmp_path))
    for name in (settings.TRACKER_DB_URL_ENV, settings.PORT_ENV, settings.SECRET_ENV):
        monkeypatch.delenv(name, raising=False)
    loaded = settings.load()
    assert loaded.database_url == f"sqlite:///{tmp_path / 'conversations.db'}"
    assert loaded.port == 8090
    secret_file = tmp_path / "review-secret"
    assert secret_file.read_text() == loaded.secret and secret_file.stat().st_mode & 0o077 == 0
    assert settings.load().secret == loaded.secret


def test_environment_wins_and_bad_values_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.TRACKER_DB_URL_ENV, "postgresql://u@h/db")
    monkeypatch.setenv(settings.SECRET_ENV, "z" * 40)
    monkeypatch.setenv(settings.PORT_ENV, "9000")
    loaded = settings.load()
    assert (loaded.database_url, loaded.port) == ("postgresql://u@h/db", 9000)
    monkeypatch.setenv(settings.PORT_ENV, "eighty")
    with pytest.raises(settings.SettingsError, match="WALKWISE_REVIEW_PORT"):
        settings.load()
    monkeypatch.setenv(settings.PORT_ENV, "9000")
    monkeypatch.setenv(settings.SECRET_ENV, "short")
    with pytest.raises(settings.SettingsError, match="at least 32"):
        settings.load()
