"""Names shared by the domain and the actions, and the actions' own texts."""

from common import messages

SLOT_LAST_TOPIC = "last_topic"
SLOT_EMERGENCY_NUMBER = "emergency_number"

INTENT_HOW_WALKING_HELPS = "ask_how_walking_helps"
INTENT_WALKING_HELPS = "ask_walking_helps"

RESPONSE_NOT_COVERED = "utter_not_covered"

# Said only by the actions (not domain responses, which `rasa data validate`
# expects every story or rule to use).
# The same apology the Rasa server sends when the action server cannot answer.
TEXT_GUIDANCE_UNAVAILABLE = messages.ACTION_UNAVAILABLE
TEXT_NOTHING_MORE = (
    "That's all the guidance I have on that point. For advice about your own situation, "
    "please ask a healthcare professional or physical therapist."
)
TEXT_NO_TOPIC_YET = (
    "I can tell you more once you've asked a question. Ask me about walking and lower back "
    "pain, for example whether walking helps and how."
)
