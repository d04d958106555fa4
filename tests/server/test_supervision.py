import configparser

import pytest

from server.supervision import Layout, SettingError, endpoints, review_configured, supervisord_config


@pytest.fixture
def layout(tmp_path, monkeypatch):
    monkeypatch.setenv("WALKWISE_PORT", "6005")
    monkeypatch.setenv("WALKWISE_ACTION_PORT", "6055")
    monkeypatch.setenv("WALKWISE_WIDGET_PORT", "6080")
    monkeypatch.setenv("WALKWISE_VAR_DIR", str(tmp_path))
    return Layout.from_environment()


def test_every_process_is_restarted_and_stopped_as_a_group(layout):
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(supervisord_config(layout))
    programs = [s for s in config.sections() if s.startswith("program:")]
    assert programs == ["program:actions", "program:rasa", "program:widget"]
    for name in programs:
        assert config[name]["autorestart"] == "true"
        assert config[name]["stopasgroup"] == "true"
        assert str(layout.var / "log") in config[name]["stdout_logfile"]
    assert "--port 6055" in config["program:actions"]["command"]
    assert config["program:actions"]["environment"] == 'SANIC_HOST="127.0.0.1"'
    assert "--port 6005" in config["program:rasa"]["command"]
    assert "6080 --bind 127.0.0.1" in config["program:widget"]["command"]


def test_the_endpoints_follow_the_action_port_and_the_var_folder(layout):
    config = endpoints(layout)
    assert config["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    assert config["tracker_store"]["db"] == str(layout.var / "conversations.db")


@pytest.mark.parametrize("value", ["abc", "0", "70000"])
def test_a_bad_port_stops_start_up_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("WALKWISE_ACTION_PORT", value)
    with pytest.raises(SettingError, match="WALKWISE_ACTION_PORT"):
        Layout.from_environment()


def test_the_review_tool_runs_only_when_configured(layout, monkeypatch):
    assert "[program:review]" not in supervisord_config(layout)
    assert "[program:review]" in supervisord_config(layout, review=True)
    monkeypatch.setenv("WALKWISE_REVIEW", "1")
    assert review_configured()
    monkeypatch.setenv("WALKWISE_REVIEW", "0")
    assert not review_configured()
    monkeypatch.setenv("WALKWISE_REVIEW", "auto")
    monkeypatch.setenv("WALKWISE_TRACKER_DB_URL", f"sqlite:///{layout.var / 'empty.db'}")
    assert not review_configured()


def test_the_http_api_is_off_unless_asked_for_and_then_needs_a_jwt_secret(layout, monkeypatch):
    assert "--enable-api" not in supervisord_config(layout)
    monkeypatch.setenv("WALKWISE_HTTP_API", "1")
    with pytest.raises(SettingError, match="WALKWISE_JWT_SECRET"):
        Layout.from_environment()
    monkeypatch.setenv("WALKWISE_JWT_SECRET", "j" * 40)
    config = supervisord_config(Layout.from_environment())
    assert "--enable-api" in config
    assert "j" * 40 not in config, "the secret reaches Rasa through the environment, not its command line"
