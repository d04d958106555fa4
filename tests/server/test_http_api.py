"""server/http_api.py: Rasa's HTTP API only with a JWT secret, on localhost by default."""

import pytest

from common.settings import SettingsError, load
from server.http_api import api_arguments, has_expiry

SECRET = "s" * 40
RUN = ["rasa", "run", "--model", "m.tar.gz", "--port", "5005"]


def test_without_the_api_nothing_changes():
    assert api_arguments(RUN, load({})) == RUN


def test_the_api_does_not_start_without_a_jwt_secret():
    with pytest.raises(SettingsError, match="WALKWISE_JWT_SECRET"):
        api_arguments([*RUN, "--enable-api"], load({}))


def test_the_api_gets_the_secret_and_listens_on_localhost():
    argv = api_arguments([*RUN, "--enable-api"], load({"WALKWISE_JWT_SECRET": SECRET}))
    assert argv[argv.index("--jwt-secret") + 1] == SECRET
    assert argv[argv.index("--jwt-method") + 1] == "HS256"
    assert argv[argv.index("--interface") + 1] == "127.0.0.1"


def test_an_interface_given_on_purpose_is_kept():
    argv = api_arguments([*RUN, "--enable-api", "-i", "10.0.0.5"], load({"WALKWISE_JWT_SECRET": SECRET}))
    assert "--interface" not in argv and argv[argv.index("-i") + 1] == "10.0.0.5"


@pytest.mark.parametrize("given", [["--auth-token", "x"], ["--jwt-secret", "y"], ["--jwt-method=RS256"]])
def test_tokens_that_never_expire_or_secrets_on_the_command_line_are_refused(given):
    with pytest.raises(SettingsError):
        api_arguments([*RUN, "--enable-api", *given], load({"WALKWISE_JWT_SECRET": SECRET}))


def test_a_token_must_carry_an_expiry():
    assert has_expiry({"user": {"role": "admin"}, "exp": 1_900_000_000})
    assert not has_expiry({"user": {"role": "admin"}})
    assert not has_expiry({"exp": "tomorrow"})
    assert not has_expiry({"exp": True})
