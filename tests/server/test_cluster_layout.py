"""The cluster layout of scripts/cluster (server/supervision.py), without starting it."""

import configparser
import shutil
import subprocess

import pytest
import yaml

from common.paths import ROOT
from server.supervision import (
    LOCK_STORE_CLASS,
    ClusterLayout,
    SettingError,
    cluster_endpoints,
    cluster_supervisord_config,
    error_response,
    haproxy_config,
    lock_store_config,
    tracker_store_config,
)


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    monkeypatch.setenv("WALKWISE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("WALKWISE_ACTION_PORT", "6055")
    for name in ("WALKWISE_TRACKER_DB_URL", "WALKWISE_REDIS_URL", "WALKWISE_CLUSTER_PORTS"):
        monkeypatch.delenv(name, raising=False)
    return ClusterLayout.from_environment()


def test_the_defaults_are_the_local_postgresql_and_redis_and_two_servers(cluster):
    assert cluster.balancer_port == 5000
    assert cluster.rasa_ports == (5005, 5006)
    assert cluster.tracker_db_url == "postgresql://postgres@127.0.0.1:5432/walkwise"
    assert cluster.redis_url == "redis://127.0.0.1:6379/0"


def test_the_endpoints_share_postgresql_and_lock_in_redis(cluster):
    config = cluster_endpoints(cluster)
    assert config["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    shipped = yaml.safe_load((ROOT / "endpoints.yml").read_text())["tracker_store"]
    assert config["tracker_store"] == {
        "type": shipped["type"],
        "dialect": "postgresql",
        "url": "127.0.0.1",
        "db": "walkwise",
        "port": 5432,
        "username": "postgres",
    }
    assert config["lock_store"] == {"type": LOCK_STORE_CLASS, "url": "127.0.0.1", "port": 6379, "db": 0}


def test_the_tracker_store_keeps_its_type_and_options_but_not_its_connection():
    template = {"type": "server.tracker_store.WalkWiseTrackerStore", "dialect": "sqlite", "db": "x.db"}
    store = tracker_store_config(
        "postgresql+psycopg2://u:p%40ss@db.internal:6432/ww?sslmode=require", template
    )
    assert store == {
        "type": "server.tracker_store.WalkWiseTrackerStore",
        "dialect": "postgresql+psycopg2",
        "url": "db.internal",
        "db": "ww",
        "port": 6432,
        "username": "u",
        "password": "p@ss",
        "query": {"sslmode": "require"},
    }


def test_redis_urls_with_a_password_tls_and_a_database():
    assert lock_store_config("rediss://:s%3Acret@redis.internal/3") == {
        "type": LOCK_STORE_CLASS,
        "url": "redis.internal",
        "port": 6379,
        "db": 3,
        "password": "s:cret",
        "use_ssl": True,
    }


@pytest.mark.parametrize(
    "setter",
    [
        lambda: tracker_store_config("sqlite:///var/conversations.db"),
        lambda: lock_store_config("http://127.0.0.1:6379/0"),
        lambda: lock_store_config("redis://127.0.0.1:6379/zero"),
    ],
)
def test_urls_the_cluster_cannot_use_stop_start_up(setter):
    with pytest.raises(SettingError):
        setter()


@pytest.mark.parametrize("value", ["5005", "5005,abc", "5005,5005", "5005,70000"])
def test_bad_server_ports_stop_start_up_naming_the_variable(monkeypatch, tmp_path, value):
    monkeypatch.setenv("WALKWISE_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("WALKWISE_CLUSTER_PORTS", value)
    if value == "5005":  # one server is allowed
        assert ClusterLayout.from_environment().rasa_ports == (5005,)
        return
    with pytest.raises(SettingError, match="WALKWISE_CLUSTER_PORTS"):
        ClusterLayout.from_environment()


def test_every_server_the_balancer_and_the_action_server_are_supervised(cluster):
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(cluster_supervisord_config(cluster))
    programs = [s for s in config.sections() if s.startswith("program:")]
    assert programs == [
        "program:actions",
        "program:rasa-5005",
        "program:rasa-5006",
        "program:balancer",
        "program:widget",
    ]
    for port in (5005, 5006):
        command = config[f"program:rasa-{port}"]["command"]
        assert f"--port {port}" in command and "--interface 127.0.0.1" in command
        assert str(cluster.endpoints_file) in command
    assert config["program:balancer"]["command"] == f"haproxy -db -f {cluster.balancer_file}"
    assert config["supervisord"]["pidfile"].endswith("cluster-supervisord.pid")


def test_the_balancer_spreads_rest_and_keeps_socketio_sticky(cluster):
    config = haproxy_config(cluster)
    assert "bind 0.0.0.0:5000" in config
    rest, socketio = config.split("\nbackend rasa\n")[1].split("\nbackend socketio\n")
    assert "balance leastconn" in rest and "balance source" in socketio
    for backend in (rest, socketio):
        assert "127.0.0.1:5005 check" in backend and "127.0.0.1:5006 check" in backend
    # A request is tried again only when its connection was refused.
    assert "retry-on conn-failure\n" in config


@pytest.mark.skipif(not shutil.which("haproxy"), reason="HAProxy is not installed (scripts/install-browser)")
def test_haproxy_accepts_the_configuration(cluster):
    cluster.base.run_dir.mkdir(parents=True)
    for code in (502, 503, 504):
        cluster.file(f"{code}.http").write_text(error_response(code))
    cluster.balancer_file.write_text(haproxy_config(cluster))
    checked = subprocess.run(
        ["haproxy", "-c", "-f", str(cluster.balancer_file)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_balancers_error_page_is_a_rest_reply_with_an_apology():
    import json

    from common.messages import SERVER_UNAVAILABLE

    head, body = error_response(503).split("\r\n\r\n", 1)
    assert head.startswith("HTTP/1.1 503 Service Unavailable")
    assert f"Content-Length: {len(body.encode())}" in head
    assert json.loads(body) == [{"recipient_id": "", "text": SERVER_UNAVAILABLE}]


def test_the_servers_share_the_webhook_ids_they_have_handled(cluster, monkeypatch):
    config = configparser.ConfigParser(interpolation=None)
    config.read_string(cluster_supervisord_config(cluster))
    for port in (5005, 5006):
        assert (
            config[f"program:rasa-{port}"]["environment"]
            == 'WALKWISE_SHARED_IDS_URL="redis://127.0.0.1:6379/0"'
        )
    monkeypatch.setenv("WALKWISE_REDIS_URL", "redis://:s%3Acret@127.0.0.1:6379/2")
    quoted = cluster_supervisord_config(ClusterLayout.from_environment())
    assert 'WALKWISE_SHARED_IDS_URL="redis://:s%%3Acret@127.0.0.1:6379/2"' in quoted  # supervisord's %
