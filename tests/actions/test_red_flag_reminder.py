from actions.red_flag_reminder import pending_tier, reminder_text

FLAGGED = {"event": "user", "parse_data": {"red_flag": {"tier": "emergency"}}}
ORDINARY = {"event": "user", "parse_data": {"intent": {"name": "ask_flare_up"}}}
REMINDED = {"event": "bot", "metadata": {"walkwise": {"red_flag_reminder": "emergency"}}}


def test_a_reminder_is_due_after_a_red_flag():
    assert pending_tier([FLAGGED, {"event": "bot", "text": "advice"}, ORDINARY]) == "emergency"


def test_only_once():
    assert pending_tier([FLAGGED, ORDINARY, REMINDED, ORDINARY]) is None


def test_a_new_red_flag_makes_it_due_again():
    urgent = {"event": "user", "parse_data": {"red_flag": {"tier": "urgent"}}}
    assert pending_tier([FLAGGED, REMINDED, urgent, ORDINARY]) == "urgent"


def test_nothing_without_a_red_flag():
    assert pending_tier([ORDINARY, {"event": "user", "parse_data": {"red_flag": {"tier": None}}}]) is None


def test_the_text_is_the_documents_first_sentence_with_the_configured_number(store):
    assert reminder_text(store, "emergency", "your local emergency number") == (
        "Reminder about the symptom you mentioned: Call your local emergency number or go to an "
        "emergency department now."
    )
    assert reminder_text(store, "emergency", "999").endswith("Call 999 or go to an emergency department now.")
    assert reminder_text(store, "urgent", None) == (
        "Reminder about the symptom you mentioned: See a doctor today: ask for a same-day GP appointment "
        "or go to an urgent care centre."
    )
