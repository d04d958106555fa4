"""The fixed texts the assistant says when the normal path produces no answer:
one place for every apology, whichever layer sends it."""

ACTION_UNAVAILABLE = (
    "Sorry, I can't look up the guidance right now. Please try again in a few minutes. "
    "For persistent or severe back pain, please consult a healthcare professional."
)
MESSAGE_TOO_LONG = "That message is too long for me to read. Please ask your question in a sentence or two."
NOT_UNDERSTOOD = (
    "Sorry, I didn't understand that. Ask me a question about walking and lower back pain, "
    'for example "Does walking help lower back pain?"'
)
SLOW_DOWN = (
    "You're sending messages faster than I can answer them well. Please wait a little, then ask again. "
    "If your symptoms are severe or getting worse, don't wait: get medical help now."
)
STARTED_OVER = "Let's start over. Ask me anything about walking and lower back pain."
NO_TEXT = "I can only read text messages. Please type your question about walking and lower back pain."

# "Delete my data", confirmed.
ERASED = (
    "Done: this conversation and everything stored from it have been deleted. "
    "If you write again, it starts a new conversation."
)
ERASE_FAILED = (
    "Sorry, I couldn't delete your conversation just now, so nothing was deleted. "
    "Please try again in a few minutes."
)

# Said by the cluster's balancer (server/supervision.py) when no Rasa server can take a message.
SERVER_UNAVAILABLE = (
    "Sorry, I couldn't read your message just now. Please send it again in a minute. "
    "If you have severe or sudden symptoms, call your local emergency number."
)

# Said by the Rasa server when it cannot read the conversation from its database (server/tracker_store.py).
DATABASE_UNAVAILABLE = (
    "Sorry, I can't reach my records right now, so I haven't read your message. "
    "Please send it again in a minute. "
    "If you have severe or sudden symptoms, call your local emergency number."
)
