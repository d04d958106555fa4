"""Names the topic the guidance does not cover that a message mentions.

The walking guidance says nothing about how many steps, how long, how far or
how fast to walk, treadmills, painkillers, pregnancy, or swimming, running,
cycling, yoga or pilates instead. Whether a question is covered is learned
(the intent classifier's ``ask_not_covered`` examples, and the part-by-part
vote of :mod:`understanding.retrieval`), not decided here: a sport in a figure
of speech or a distance given as context must not turn a covered question
away. This component only records which uncovered topic a message mentions
(``uncovered_topic`` in the parse data), so that a half-covered question can
be told plainly which half the guidance does not cover.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import Matcher
from spacy.tokens import Doc

from common.names import UNCOVERED_TOPIC_KEY
from understanding.message_check import MessageCheck
from understanding.patterns import ANY, copy_patterns, lemmas, lower, optional

TOPICS: Dict[str, List[List[dict]]] = {
    "steps": [
        [lower("how"), lower("many"), lemmas("step")],
        [{"LIKE_NUM": True}, optional(lower(",")), optional({"LIKE_NUM": True}), lemmas("step")],
        [lemmas("step"), lower("a", "per", "each", "every"), lower("day")],
        [lemmas("step"), lemmas("count", "goal", "target")],
    ],
    "duration": [
        [lower("how"), lower("long"), ANY, ANY, lemmas("walk", "walking", "go")],
        [lower("how"), lower("long"), lower("should", "do", "can", "must"), ANY, lemmas("walk")],
        [lower("how"), lower("many", "much"), lemmas("minute", "hour", "time")],
        [lemmas("minute", "hour", "min", "mins"), lower("a", "per", "each", "every"), lower("day", "week")],
        [lower("how"), lower("often")],
        [lower("how"), lower("much"), lemmas("walk", "walking")],
    ],
    "distance": [
        [lower("how"), lower("far")],
        [lemmas("mile", "km", "kilometre", "kilometer", "kms")],
    ],
    "speed": [
        [lower("how"), lower("fast", "quickly", "quick", "slowly", "slow", "briskly")],
        [lower("what"), lemmas("speed", "pace")],
        [lemmas("pace", "brisk", "briskly", "mph")],
        [lemmas("walk", "walking"), lemmas("speed")],
        [lower("speed"), lower("should", "do", "is", "for")],
        [lemmas("fast", "slow"), lemmas("walk", "walking")],
    ],
    "treadmill or outdoors": [
        [
            lemmas(
                "treadmill", "treadmills", "incline", "uphill", "downhill", "hill", "hills", "hiking", "hike"
            )
        ],
        [lower("outdoors", "outside"), lower("or", "vs", "versus")],
        [lower("or", "vs", "versus"), lower("outdoors", "outside")],
    ],
    "painkillers": [
        [
            lemmas(
                "painkiller",
                "painkillers",
                "ibuprofen",
                "paracetamol",
                "acetaminophen",
                "naproxen",
                "codeine",
                "aspirin",
                "nsaid",
                "nsaids",
                "tramadol",
                "diclofenac",
                "tylenol",
                "advil",
                "nurofen",
                "medication",
                "medicine",
                "meds",
                "pill",
                "tablet",
                "opioid",
                "gabapentin",
                "pregabalin",
            )
        ],
    ],
    "pregnancy": [
        [lemmas("pregnant", "pregnancy", "trimester", "antenatal", "postnatal", "postpartum")],
        [lower("expecting"), lower("a")],
    ],
    "other activities": [
        [
            lemmas(
                "swim",
                "swimming",
                "pool",
                "aqua",
                "jog",
                "jogging",
                "cycling",
                "cycle",
                "yoga",
                "pilates",
                "hydrotherapy",
                "aerobics",
                "tai",
                "zumba",
            )
        ],
        [lower("running", "jogging", "swimming", "cycling", "swim", "jog", "run", "runs")],
    ],
    "other treatments": [
        [lemmas("massage", "acupuncture", "surgery", "operation", "injection", "brace", "mattress")],
        [lower("heat", "ice", "hot", "cold"), lower("or"), lower("ice", "heat", "cold", "hot")],
    ],
}

# Answers to these questions are in the guidance even though they share a keyword.
COVERED_CONTEXT = [
    [lemmas("rest")],  # "how long should I rest" -> the flare-up passage
    [lemmas("lose"), ANY, lemmas("weight")],
    [lower("speed"), lower("up")],  # "does walking speed up healing" -> blood flow
    [lower("natural", "naturally", "own")],  # "a natural painkiller" -> endorphins
    [lower("without"), ANY, lemmas("medication", "pill", "pills", "painkiller", "tablet", "drug", "meds")],
]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class UncoveredTopicCheck(MessageCheck):
    def __init__(self, config: Optional[Dict[Text, Any]] = None) -> None:
        super().__init__(config or {})
        self._matchers: Optional[tuple[Matcher, Matcher]] = None
        self._vocab: Any = None

    def topic(self, doc: Doc) -> Optional[tuple[str, str]]:
        if self._matchers is None or self._vocab is not doc.vocab:
            topics, covered = Matcher(doc.vocab), Matcher(doc.vocab)
            for name, patterns in TOPICS.items():
                topics.add(name, copy_patterns(patterns))
            covered.add("covered", copy_patterns(COVERED_CONTEXT))
            self._matchers, self._vocab = (topics, covered), doc.vocab
        topics, covered = self._matchers
        if covered(doc):
            return None
        for match_id, start, end in topics(doc):
            return doc.vocab.strings[match_id], doc[start:end].text
        return None

    def check(self, message: Message) -> None:
        doc = message.get(SPACY_DOCS[TEXT])
        found = self.topic(doc) if doc is not None else None
        if found is not None:
            message.set(UNCOVERED_TOPIC_KEY, {"topic": found[0], "phrase": found[1]}, add_to_output=True)
