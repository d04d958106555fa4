"""Names shared by the understanding, server and action layers."""

from __future__ import annotations

# Our key in message and event metadata.
METADATA_KEY = "walkwise"
# The key of the red-flag finding in a message's parse data.
RED_FLAG_KEY = "red_flag"
# The key of the guidance plan (which passages a message asks for) in its parse data.
GUIDANCE_KEY = "guidance"
# The topic the guidance does not cover that a message mentions, in its parse data.
UNCOVERED_TOPIC_KEY = "uncovered_topic"
# A question answered from a guidance document that no intent was written for.
INTENT_GUIDANCE = "ask_guidance"
INTENT_NOT_COVERED = "ask_not_covered"

EMERGENCY = "emergency"
URGENT = "urgent"
TIERS = (EMERGENCY, URGENT)

INTENT_FOR_TIER = {EMERGENCY: "red_flag_emergency", URGENT: "red_flag_urgent"}
TIER_FOR_INTENT = {intent: tier for tier, intent in INTENT_FOR_TIER.items()}
RESPONSE_FOR_TIER = {tier: f"utter_{intent}" for tier, intent in INTENT_FOR_TIER.items()}

INTENT_ASK_RED_FLAGS = "ask_red_flags"
# A message that may show a red flag: the bot asks one triage question.
INTENT_RED_FLAG_POSSIBLE = "red_flag_possible"
RESPONSE_TRIAGE_QUESTION = "utter_red_flag_triage"
# "No" to the triage question, when the message asked nothing else.
INTENT_TRIAGE_CLEAR = "red_flag_triage_clear"
INTENT_AFFIRM = "affirm"
INTENT_DENY = "deny"

ENTITY_RED_FLAG_TIER = "red_flag_tier"
ENTITY_EMERGENCY_NUMBER = "emergency_number"
ENTITY_TRIAGE_FLAG = "triage_flag"
# The triage_flag value when it is unclear which red flag a message may show.
TRIAGE_UNSPECIFIED = "unspecified"
# Marks a possible red flag told as long past or gone: as an answer to the
# triage question it is a "no".
TOLD_AS_PAST = "told_as_past"
# The flags whose symptom a message gives an everyday cause for ("only my
# hamstrings, tight after football"): as an answer to the triage question
# about one of them it is a "no".
EXPLAINED = "explained"
