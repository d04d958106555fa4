"""common/settings.py: every WALKWISE_* setting, typed, with defaults, checked."""

import re
from dataclasses import fields

import pytest

from common import settings
from common.settings import SETTINGS, Settings, SettingsError, load
from tests.conftest import ROOT


def test_defaults_without_any_setting():
    configured = load({})
    assert configured.emergency_number is None
    assert configured.action_timeout == 2.0
    assert (configured.rate_limit, configured.rate_window) == (120, 60.0)
    assert (configured.port, configured.action_port, configured.widget_port) == (5005, 5055, 8080)
    assert configured.http_api is False and configured.jwt_method == "HS256"
    assert configured.review == "auto"
    assert (configured.balancer_port, configured.balancer_host) == (5000, "0.0.0.0")
    assert configured.cluster_ports == (5005, 5006)
    assert configured.redis_url == "redis://127.0.0.1:6379/0" and configured.tracker_db_url is None
    assert configured.var_dir == ROOT / "var"


def test_values_are_typed():
    configured = load(
        {
            "WALKWISE_EMERGENCY_NUMBER": " 999 ",
            "WALKWISE_ACTION_TIMEOUT": "2.5",
            "WALKWISE_RATE_LIMIT": "5",
            "WALKWISE_RATE_WINDOW": "10",
            "WALKWISE_WIDGET_ORIGINS": "https://clinic.example.org/, http://localhost:8080",
            "WALKWISE_REVIEW": "yes",
            "WALKWISE_REVIEW_SECURE_COOKIES": "on",
            "WALKWISE_CLUSTER_PORTS": "6005,6006,6007",
        }
    )
    assert configured.emergency_number == "999"
    assert configured.action_timeout == 2.5
    assert (configured.rate_limit, configured.rate_window) == (5, 10.0)
    assert configured.widget_origins == ("https://clinic.example.org", "http://localhost:8080")
    assert configured.review == "on" and configured.review_secure_cookies is True
    assert configured.cluster_ports == (6005, 6006, 6007)


@pytest.mark.parametrize("number", ["999", "911", "112", "000", "+44 20 7946 0000", "1-800-273-8255"])
def test_emergency_numbers_people_can_dial_are_accepted(number):
    assert load({"WALKWISE_EMERGENCY_NUMBER": number}).emergency_number == number


@pytest.mark.parametrize(
    "name, value",
    [
        ("WALKWISE_EMERGENCY_NUMBER", "call 999"),
        ("WALKWISE_EMERGENCY_NUMBER", "999<script>"),
        ("WALKWISE_EMERGENCY_NUMBER", "9"),
        ("WALKWISE_EMERGENCY_NUMBER", "12345678901234567890123"),
        ("WALKWISE_ACTION_TIMEOUT", "soon"),
        ("WALKWISE_ACTION_TIMEOUT", "0"),
        ("WALKWISE_ACTION_TIMEOUT", "-1"),
        ("WALKWISE_ACTION_TIMEOUT", "nan"),
        ("WALKWISE_RATE_LIMIT", "-1"),
        ("WALKWISE_RATE_LIMIT", "twenty"),
        ("WALKWISE_RATE_WINDOW", "0"),
        ("WALKWISE_PORT", "70000"),
        ("WALKWISE_ACTION_PORT", "abc"),
        ("WALKWISE_EMBEDDING_THREADS", "0"),
        ("WALKWISE_HTTP_API", "maybe"),
        ("WALKWISE_JWT_SECRET", "short"),
        ("WALKWISE_JWT_METHOD", "none"),
        ("WALKWISE_WIDGET_ORIGINS", "clinic.example.org"),
        ("WALKWISE_WIDGET_ORIGINS", "https://clinic.example.org/page"),
        ("WALKWISE_TELEGRAM_SECRET", "has spaces"),
        ("WALKWISE_TELEGRAM_WEBHOOK_URL", "http://insecure.example.org/hook"),
        ("WALKWISE_SLACK_API_URL", "slack.com/api"),
        ("WALKWISE_GUIDANCE_DB_URL", "not a url"),
        ("WALKWISE_TRACKER_DB_URL", "postgresql//missing-colon"),
        ("WALKWISE_GUIDANCE_DIR", "/no/such/folder"),
        ("WALKWISE_REVIEW", "sometimes"),
        ("WALKWISE_REVIEW_SESSION_HOURS", "forever"),
        ("WALKWISE_CLUSTER_PORTS", "6005,6005"),
        ("WALKWISE_REDIS_URL", "localhost:6379"),
        ("WALKWISE_BALANCER_PORT", "65536"),
        ("WALKWISE_CLUSTER_PORTS", "5005,0"),
        ("WALKWISE_REVIEW_PORT", "eighty"),
        ("WALKWISE_REVIEW_SECRET", "short"),
        ("WALKWISE_REVIEW_SECURE_COOKIES", "maybe"),
        ("WALKWISE_TELEGRAM_API_URL", "api.telegram.org"),
    ],
)
def test_a_bad_value_stops_start_up_naming_the_variable(name, value):
    with pytest.raises(SettingsError, match=name) as raised:
        load({name: value})
    assert isinstance(raised.value, SystemExit)


def test_every_bad_value_is_named_at_once():
    with pytest.raises(SettingsError) as raised:
        load({"WALKWISE_PORT": "x", "WALKWISE_RATE_WINDOW": "-5", "WALKWISE_EMERGENCY_NUMBER": "help"})
    for name in ("WALKWISE_PORT", "WALKWISE_RATE_WINDOW", "WALKWISE_EMERGENCY_NUMBER"):
        assert name in str(raised.value)


def test_the_http_api_needs_a_jwt_secret():
    with pytest.raises(SettingsError, match="WALKWISE_JWT_SECRET"):
        load({"WALKWISE_HTTP_API": "1"})
    assert load({"WALKWISE_HTTP_API": "1", "WALKWISE_JWT_SECRET": "k" * 32}).http_api


def test_two_processes_cannot_share_a_port():
    with pytest.raises(SettingsError, match="WALKWISE_ACTION_PORT"):
        load({"WALKWISE_PORT": "6000", "WALKWISE_ACTION_PORT": "6000"})


def test_a_bad_value_is_not_echoed_for_secrets():
    with pytest.raises(SettingsError) as raised:
        load({"WALKWISE_JWT_SECRET": "too-short-secret"})
    assert "too-short-secret" not in str(raised.value)


def test_the_process_settings_are_read_once_and_checked_afresh_at_start_up(monkeypatch):
    monkeypatch.setenv("WALKWISE_RATE_LIMIT", "7")
    assert settings.check().rate_limit == 7
    monkeypatch.setenv("WALKWISE_RATE_LIMIT", "8")
    assert settings.current().rate_limit == 7
    monkeypatch.setenv("WALKWISE_RATE_LIMIT", "-8")
    with pytest.raises(SettingsError, match="WALKWISE_RATE_LIMIT"):
        settings.check()
    monkeypatch.delenv("WALKWISE_RATE_LIMIT")
    settings.current.cache_clear()


def test_the_table_and_the_settings_class_name_the_same_settings():
    assert [s.field for s in SETTINGS] == [f.name for f in fields(Settings)]
    assert all(s.name.startswith("WALKWISE_") for s in SETTINGS)


def test_env_example_lists_every_setting_and_nothing_else():
    listed = set(re.findall(r"^(WALKWISE_\w+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert listed == {s.name for s in SETTINGS}


PYTHON_FOLDERS = (
    "actions",
    "benchmarks",
    "channels",
    "common",
    "guidance",
    "review",
    "server",
    "understanding",
)
NAME = re.compile(r"\bWALKWISE_[A-Z0-9_]*[A-Z0-9]\b")


def test_every_setting_the_code_reads_is_in_the_table():
    known = {s.name for s in SETTINGS}
    # Read by the scripts or the tests only, before Python or around it.
    known |= {"WALKWISE_PYTHON", "WALKWISE_VENV", "WALKWISE_ROOT", "WALKWISE_SHARED_DIR"}
    known |= {"WALKWISE_TEST_POSTGRES_URL"}
    read = set()
    for folder in PYTHON_FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            read |= set(NAME.findall(path.read_text(encoding="utf-8")))
    # The shell scripts (scripts/run, scripts/cluster...) read some too.
    for path in (ROOT / "scripts").iterdir():
        if path.is_file():
            read |= set(NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    assert read - known == set()


def test_only_the_settings_module_reads_the_environment():
    """Every other module takes its values from common/settings.py, typed and checked."""
    reading = re.compile(r"os\.environ\.get\(|os\.environ\[|getenv\(")
    readers = [
        str(path.relative_to(ROOT))
        for folder in PYTHON_FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if path != ROOT / "common" / "settings.py" and reading.search(path.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_one_setting_is_read_afresh_and_checked(monkeypatch):
    monkeypatch.setenv("WALKWISE_REVIEW_PORT", "9001")
    assert settings.value("WALKWISE_REVIEW_PORT") == 9001
    monkeypatch.setenv("WALKWISE_REVIEW_PORT", "9002")
    assert settings.value("WALKWISE_REVIEW_PORT") == 9002
    monkeypatch.delenv("WALKWISE_REVIEW_PORT")
    assert settings.value("WALKWISE_REVIEW_PORT") == 8090
    assert settings.value("WALKWISE_BALANCER_PORT", {"WALKWISE_BALANCER_PORT": " 6000 "}) == 6000
    with pytest.raises(SettingsError, match="WALKWISE_BALANCER_PORT"):
        settings.value("WALKWISE_BALANCER_PORT", {"WALKWISE_BALANCER_PORT": "0"})
    with pytest.raises(KeyError):
        settings.value("WALKWISE_NOT_A_SETTING")
