"""The red-flag advice in domain.yml is the red-flag document's, word for word."""

import pytest

from guidance.parser import parse
from tests.conftest import ROOT

DOCUMENT = parse((ROOT / "guidance" / "documents" / "red-flags-lower-back-pain.txt").read_bytes())


@pytest.mark.parametrize(
    "response, passage",
    [("utter_red_flag_emergency", "emergency-advice"), ("utter_red_flag_urgent", "urgent-advice")],
)
def test_the_advice_is_the_documents_word_for_word(domain, response, passage):
    [variant] = domain["responses"][response]
    default_number = domain["slots"]["emergency_number"]["initial_value"]
    text = variant["text"].replace("{emergency_number}", default_number)
    advice, source = text.split("\n\n")
    expected = DOCUMENT.passage(passage)
    assert advice.split(": ", 1)[1] == expected.text
    assert advice.split(": ", 1)[0].lstrip("🚨⚠️ ").lower() == expected.title.split()[0].lower()
    assert source.startswith(f"Source: “{DOCUMENT.title}”")


@pytest.mark.parametrize("response", ["utter_red_flag_emergency", "utter_red_flag_urgent"])
def test_the_advice_has_no_buttons_and_nothing_before_it(domain, response):
    [variant] = domain["responses"][response]
    assert "buttons" not in variant
    assert variant["text"].split(":")[0].strip("🚨⚠️ ") in ("Emergency", "Urgent")
    assert "walk" not in variant["text"].split(".")[0].lower()


def test_the_emergency_number_has_a_sensible_default(domain):
    assert domain["slots"]["emergency_number"]["initial_value"] == "your local emergency number"
