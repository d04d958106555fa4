import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from server.erasure import RESPONSE_CONFIRM, confirmation_pending, confirmed


def asked():
    return [
        UserUttered("delete my data", {"name": "delete_my_data", "confidence": 0.9}),
        ActionExecuted(RESPONSE_CONFIRM),
        BotUttered("Do you want me to delete this conversation?"),
        ActionExecuted("action_listen"),
    ]


def test_the_confirmation_is_pending_only_right_after_the_question():
    assert confirmation_pending(asked())
    later = [*asked(), UserUttered("no", {"name": "deny"}), ActionExecuted("utter_data_kept")]
    assert not confirmation_pending(later)
    assert not confirmation_pending([UserUttered("hi"), ActionExecuted("utter_greet")])
    assert not confirmation_pending([])


@pytest.mark.parametrize(
    "text, intent, confidence, expected",
    [
        ("yes", "affirm", 0.99, True),
        ("Yes please", "affirm", 0.5, True),
        ("yep", None, 0.0, True),
        ("/affirm", "affirm", 1.0, True),
        ("/deny", "deny", 1.0, False),
        ("no", "deny", 0.99, False),
        ("not sure", "affirm", 0.5, False),
        ("maybe", "affirm", 0.6, False),
        ("go ahead", "affirm", 0.9, True),
        ("go ahead", "affirm", 0.5, False),
    ],
)
def test_only_a_clear_yes_confirms(text, intent, confidence, expected):
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence} if intent else {}}
    assert confirmed(parse) is expected
