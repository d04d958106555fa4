"""The red-flag check as configured in config.yml: its decisions, with a fixed
scorer, and the trained classifier on the training part of the corpus."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from common import paths
from understanding import red_flag_corpus
from understanding.red_flag_check import RedFlagCheck, sentences, without_answer_prefix
from understanding.red_flag_model import Scores
from understanding.red_flags import RedFlagDetector

CONFIG = next(
    {k: v for k, v in step.items() if k != "name"}
    for step in yaml.safe_load((paths.ROOT / "config.yml").read_text())["pipeline"]
    if step["name"].endswith("RedFlagCheck")
)


def message(nlp, text, intent="ask_walking_helps", confidence=0.9, ranking=None):
    msg = Message({TEXT: text})
    msg.set(SPACY_DOCS[TEXT], nlp(text))
    msg.set("intent", {"name": intent, "confidence": confidence})
    msg.set("intent_ranking", ranking or [{"name": intent, "confidence": confidence}])
    return msg


class FixedModel:
    """Scores every text the same, to test the decisions around the score."""

    def __init__(self, scores: Scores) -> None:
        self.scores = scores

    def score(self, texts, embeddings, patterns):
        return [self.scores for _ in texts]


FEVER = Scores(
    probability=0.0, agreement=0.0, flag="fever", flag_probability=0.9, tier="urgent", emergency_share=0.1
)


def fixed(probability, base=FEVER, **config):
    return RedFlagCheck(
        {**CONFIG, **config},
        model=FixedModel(replace(base, probability=probability, agreement=probability)),
        emergency_number="999",
    )


def test_the_configuration_is_the_one_tested():
    assert CONFIG["flag_threshold"] > CONFIG["triage_threshold"] > CONFIG["pattern_floor"]


def test_a_score_over_the_flag_threshold_gives_the_advice_and_fills_the_slots(nlp):
    msg = message(nlp, "I've been feverish since yesterday and my back hurts")
    fixed(CONFIG["flag_threshold"]).process([msg])
    assert msg.get("intent") == {"name": "red_flag_urgent", "confidence": 1.0}
    assert msg.get("red_flag")["flag"] == "fever"
    assert msg.get("red_flag")["detected_by"].startswith("classifier")
    assert {(e["entity"], e["value"]) for e in msg.get("entities")} == {
        ("red_flag_tier", "urgent"),
        ("emergency_number", "999"),
    }


def test_a_large_emergency_share_raises_the_tier(nlp):
    msg = message(nlp, "my legs feel odd")
    base = replace(FEVER, emergency_share=CONFIG["emergency_share"])
    fixed(0.99, base).process([msg])
    assert msg.get("intent")["name"] == "red_flag_emergency"


def test_a_middling_score_asks_the_triage_question(nlp):
    msg = message(nlp, "I feel a bit hot, should I still walk?")
    fixed(CONFIG["triage_threshold"]).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"
    assert msg.get("red_flag")["possible"]["flag"] == "fever"
    assert msg.get("red_flag")["held_intent"] == "ask_walking_helps"
    assert ("triage_flag", "fever") in {(e["entity"], e["value"]) for e in msg.get("entities")}


def test_a_low_score_is_no_flag_and_drops_a_guessed_red_flag_intent(nlp):
    ranking = [
        {"name": "red_flag_emergency", "confidence": 0.9},
        {"name": "ask_walking_helps", "confidence": 0.08},
    ]
    msg = message(nlp, "is walking ok", "red_flag_emergency", 0.9, ranking)
    fixed(CONFIG["pattern_floor"] / 2).process([msg])
    assert msg.get("intent")["name"] == "nlu_fallback"
    assert msg.get("red_flag")["tier"] is None


def test_an_unmistakable_phrase_is_never_dropped_while_the_classifier_has_doubts(nlp):
    msg = message(nlp, "I wet myself this morning")
    fixed(CONFIG["pattern_floor"]).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"
    assert msg.get("red_flag")["possible"]["flag"] == "bladder-or-bowel-problems"


def test_denied_symptoms_only_ask_instead_of_alarming(nlp):
    msg = message(nlp, "no numbness, no bladder problems, nothing like that")
    fixed(0.95).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"


def test_a_negation_in_another_clause_does_not_stop_the_advice(nlp):
    msg = message(nlp, "nothing works for the pain, and I wet myself twice today")
    fixed(0.95).process([msg])
    assert msg.get("intent")["name"].startswith("red_flag_")
    assert msg.get("intent")["name"] != "red_flag_possible"


def test_a_what_if_question_with_a_symptom_word_gets_the_red_flag_explanation(nlp):
    msg = message(nlp, "what if my legs ever go numb on a long walk?")
    fixed(0.05).process([msg])
    assert msg.get("intent")["name"] == "ask_red_flags"


def test_a_general_question_becomes_ask_red_flags(nlp):
    msg = message(nlp, "what are red flags?", "red_flag_urgent", 0.8)
    fixed(0.1).process([msg])
    assert msg.get("intent")["name"] == "ask_red_flags"


class PerSentence(FixedModel):
    """Scores the clause about shivering ``clause``, everything else 0.1."""

    def __init__(self, clause: float, whole: float = 0.1, message: str = "") -> None:
        self.clause = clause
        self.whole = whole
        self.message = message or LONG

    def score(self, texts, embeddings, patterns):
        scores = []
        for text in texts:
            p = self.clause if "shivering" in text and text != self.message else self.whole
            scores.append(replace(FEVER, probability=p, agreement=p))
        return scores


LONG = (
    "I love my walks by the river. Since Monday I've been shivering with a temperature. "
    "Which shoes are best for gravel paths?"
)


def test_a_sentence_that_may_be_a_flag_in_a_long_message_is_asked_about(nlp):
    msg = message(nlp, LONG)
    RedFlagCheck(CONFIG, model=PerSentence(CONFIG["flag_threshold"])).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"


def test_a_sentence_that_is_surely_a_flag_in_a_long_message_gets_the_advice(nlp):
    msg = message(nlp, LONG)
    model = PerSentence(CONFIG["sentence_flag_threshold"], whole=CONFIG["triage_threshold"])
    RedFlagCheck(CONFIG, model=model).process([msg])
    assert msg.get("intent")["name"] == "red_flag_urgent"


def test_a_sure_sentence_in_a_message_that_contradicts_it_is_only_asked_about(nlp):
    msg = message(nlp, LONG)
    RedFlagCheck(CONFIG, model=PerSentence(CONFIG["sentence_flag_threshold"], whole=0.1)).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"


def test_a_sure_sentence_in_a_message_told_long_ago_is_only_asked_about(nlp):
    text = LONG.replace("Since Monday", "Years ago")
    msg = message(nlp, text)
    model = PerSentence(CONFIG["sentence_flag_threshold"], whole=CONFIG["triage_threshold"], message=text)
    RedFlagCheck(CONFIG, model=model).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"


class OneClause(FixedModel):
    """Scores ``clause`` to a clause holding ``marker`` read alone, ``whole`` to everything else."""

    def __init__(self, marker: str, clause: float, whole: float, message: str) -> None:
        self.marker, self.clause, self.whole, self.message = marker, clause, whole, message

    def score(self, texts, embeddings, patterns):
        return [
            replace(FEVER, probability=p, agreement=p)
            for p in (self.clause if self.marker in t and t != self.message else self.whole for t in texts)
        ]


DENIAL = "No numbness anywhere, no bladder problems, and my legs feel normal."


def test_a_denial_that_read_whole_is_no_flag_is_not_asked_about_for_one_clause(nlp):
    msg = message(nlp, DENIAL)
    model = OneClause("legs feel normal", 0.95, whole=0.05, message=DENIAL)
    RedFlagCheck(CONFIG, model=model).process([msg])
    assert msg.get("intent")["name"] == "ask_walking_helps"


def test_a_denial_that_read_whole_may_be_a_flag_is_still_asked_about(nlp):
    msg = message(nlp, DENIAL)
    model = OneClause("legs feel normal", 0.95, whole=CONFIG["triage_threshold"], message=DENIAL)
    RedFlagCheck(CONFIG, model=model).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"


SHORT = "My back has been sore all week, and since Monday I've been shivering."


@pytest.mark.parametrize(
    "whole, intent", [(CONFIG["triage_threshold"], "red_flag_possible"), (0.5, "red_flag_urgent")]
)
def test_a_sure_clause_of_a_short_message_gives_the_advice_only_if_the_whole_agrees(nlp, whole, intent):
    assert len(SHORT.split()) < RedFlagCheck(CONFIG).config["short_message_words"]
    msg = message(nlp, SHORT)
    model = OneClause("shivering", CONFIG["sentence_flag_threshold"], whole=whole, message=SHORT)
    RedFlagCheck(CONFIG, model=model).process([msg])
    assert msg.get("intent")["name"] == intent


def test_a_sentence_is_scored_whole_as_well_as_clause_by_clause(nlp):
    doc = nlp("My back is sore. Today my groin feels numb, like pins and needles. How far should I walk?")
    assert [s.text for s in sentences(doc)] == [
        "My back is sore.",
        "Today my groin feels numb, like pins and needles.",
        "Today my groin feels numb,",
        "like pins and needles.",
        "How far should I walk?",
    ]
    assert sentences(nlp("my groin feels numb")) == []


# The trained classifier, on the data it learned from -------------------------------------------


@pytest.fixture(scope="module")
def trained():
    check = RedFlagCheck(CONFIG)
    check.train(load_data(str(paths.NLU_DATA)))
    return check


def outcome(check, nlp, text):
    msg = message(nlp, text, "ask_walking_helps", 0.5)
    check.process([msg])
    return msg.get("intent")["name"]


@pytest.mark.model
def test_the_classifier_fits_the_training_part(trained, nlp):
    examples = [e for e in red_flag_corpus.load(paths.RED_FLAG_CORPUS / "train") if len(e.turns) == 1]
    flags = [e for e in examples if e.flag != red_flag_corpus.NO_FLAG]
    lookalikes = [e for e in examples if e.flag == red_flag_corpus.NO_FLAG]
    caught = sum(outcome(trained, nlp, e.text).startswith("red_flag_") for e in flags)
    alarmed = sum(
        outcome(trained, nlp, e.text) in ("red_flag_emergency", "red_flag_urgent") for e in lookalikes
    )
    assert caught / len(flags) >= 0.97
    assert alarmed / len(lookalikes) <= 0.02


def test_the_advice_needs_both_estimates_to_agree(nlp):
    msg = message(nlp, "I've been feverish since yesterday and my back hurts")
    split = replace(FEVER, probability=0.7, agreement=CONFIG["flag_threshold"] - 0.1)
    RedFlagCheck(CONFIG, model=FixedModel(split)).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"


def test_when_it_is_unclear_which_flag_the_general_triage_question_is_asked(nlp):
    msg = message(nlp, "something feels off since this morning")
    unsure = replace(FEVER, flag_probability=CONFIG["specific_question_confidence"] - 0.1)
    RedFlagCheck(CONFIG, model=FixedModel(replace(unsure, probability=0.45, agreement=0.45))).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"
    assert ("triage_flag", "unspecified") in {(e["entity"], e["value"]) for e in msg.get("entities")}
    assert msg.get("red_flag")["possible"]["tier"] == "urgent"
    # The triage reader is told which question was asked.
    assert msg.get("red_flag")["possible"]["question"] == "unspecified"


@pytest.mark.parametrize(
    "text, statement",
    [
        ("Yes, my legs have gone numb since this morning", "my legs have gone numb since this morning"),
        ("yeah kinda, its all numb round my bottom", "its all numb round my bottom"),
        ("ok so I have been peeing myself", "I have been peeing myself"),
        ("yes, since yesterday", None),  # too short: an answer, not a statement
        ("yes", None),
        ("kinda numb in my legs", None),  # a hedge alone is part of the statement
        ("Yesterday I fell off a ladder", None),
    ],
)
def test_a_leading_yes_is_set_apart_from_the_statement_after_it(nlp, text, statement):
    found = without_answer_prefix(nlp(text))
    assert (found.text if found is not None else None) == statement


class RecordingModel(FixedModel):
    def __init__(self, scores: Scores) -> None:
        super().__init__(scores)
        self.texts: list[str] = []

    def score(self, texts, embeddings, patterns):
        self.texts += list(texts)
        return super().score(texts, embeddings, patterns)


def test_the_statement_after_a_leading_yes_is_what_is_scored(nlp):
    model = RecordingModel(replace(FEVER, probability=0.95, agreement=0.95))
    msg = message(nlp, "yeah, I've been burning up with a fever and my back is agony", intent="affirm")
    RedFlagCheck(CONFIG, model=model, emergency_number="999").process([msg])
    assert model.texts[0] == "I've been burning up with a fever and my back is agony"
    assert msg.get("intent")["name"] == "red_flag_urgent"
    assert msg.get(TEXT).startswith("yeah, ")  # the message itself is unchanged


@pytest.mark.parametrize(
    "text",
    [
        "my back is really bad today",
        "Back pain.",
        "my lower back's been awful for weeks, should I still walk?",
        # How people say their back is bad, in slang: no other symptom.
        "my back's been crook all week",
        "back's totally stuffed mate",
        "my back is completely gone",
        "my back went out again on Monday morning",
        "lower back's locked up, proper seized",
    ],
)
def test_a_message_only_about_back_pain_is_no_red_flag_whatever_the_score(nlp, text):
    msg = message(nlp, text, intent="red_flag_emergency", confidence=0.8)
    fixed(0.99).process([msg])
    assert msg.get("intent")["name"] not in ("red_flag_emergency", "red_flag_urgent", "red_flag_possible")


@pytest.mark.parametrize(
    "text",
    [
        "my back is bad at night",
        "my back is bad and I feel hot and shivery",
        "bad back, legs weak",
        "my back's gone since the car crash",
        "back is wrecked after a fall",
        "my back is broken",
    ],
)
def test_a_symptom_word_besides_the_back_pain_is_still_checked(nlp, text):
    msg = message(nlp, text)
    fixed(0.99).process([msg])
    assert msg.get("intent")["name"] in ("red_flag_emergency", "red_flag_urgent")


class ScoresTheBackPain(FixedModel):
    """Scores a text that mentions the back as a sure red flag, any other as none:
    the classifier that reads "my back's been crook" as one."""

    def score(self, texts, embeddings, patterns):
        return [
            replace(self.scores, probability=p, agreement=p)
            for p in (0.99 if "back" in t.lower() else 0.01 for t in texts)
        ]


def check_with_back_pain_scorer(nlp, text):
    msg = message(nlp, text)
    RedFlagCheck(CONFIG, model=ScoresTheBackPain(FEVER), emergency_number="999").process([msg])
    return msg.get("intent")["name"]


@pytest.mark.parametrize(
    "text",
    [
        "Mate, my back's been crook all week, how should I be picking the esky up off the ground?",
        "My lower back is killing me. What shoes are best for a long walk?",
    ],
)
def test_a_question_is_scored_without_its_clauses_only_about_the_back(nlp, text):
    assert check_with_back_pain_scorer(nlp, text) not in ("red_flag_emergency", "red_flag_urgent")


def test_a_statement_keeps_the_back_pain_it_comes_with(nlp):
    # "back sore too" says the symptom comes with the back pain: it stays.
    text = "my leg keeps buckling when I walk. back sore too"
    assert check_with_back_pain_scorer(nlp, text) == "red_flag_urgent"


@pytest.mark.parametrize("text", ["I nearly wet myself!", "I almost peed myself laughing at that"])
def test_a_figure_of_speech_is_asked_about_however_sure_the_classifier(nlp, text):
    msg = message(nlp, text)
    fixed(0.99).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"


def test_a_symptom_beside_a_figure_of_speech_still_gets_the_advice(nlp):
    msg = message(nlp, "I nearly fell asleep at work and I've wet myself twice today")
    fixed(0.99).process([msg])
    assert msg.get("intent")["name"] in ("red_flag_emergency", "red_flag_urgent")


@pytest.mark.parametrize(
    "text",
    [
        "my groin went numb on the long bike ride, gone now though. back a bit stiff",
        "My brother fell off a roof last week. I'm only asking because my own back is stiff.",
    ],
)
def test_a_passed_symptom_or_someone_elses_is_asked_about_however_sure_the_classifier(nlp, text):
    msg = message(nlp, text)
    fixed(0.99).process([msg])
    assert msg.get("intent")["name"] == "red_flag_possible"


def test_a_phrase_told_long_ago_is_left_to_the_classifier(nlp):
    text = "had a bad fall off a ladder years ago, fully fine now, which shoes for walking?"
    msg = message(nlp, text)
    fixed(CONFIG["pattern_floor"]).process([msg])
    assert msg.get("intent")["name"] == "ask_walking_helps"
    # The same phrase, now, is asked about at the same score.
    now = message(nlp, "had a bad fall off a ladder this morning, which shoes for walking?")
    fixed(CONFIG["pattern_floor"]).process([now])
    assert now.get("intent")["name"] == "red_flag_possible"


def test_a_long_message_is_read_sentence_by_sentence_even_when_the_whole_scores_low(nlp):
    filler = "I walk the dog every morning along the canal and it has been lovely this spring. "
    text = filler * 2 + "Lately I wake up with the sheets wet through. Which shoes are best for gravel paths?"
    check = RedFlagCheck(CONFIG, model=SentenceModel(), emergency_number="999")
    msg = message(nlp, text)
    check.process([msg])
    assert msg.get("intent")["name"] != "ask_walking_helps"


class SentenceModel:
    """A sure flag for the one sentence about the sheets, nothing for the rest."""

    def score(self, texts, embeddings, patterns):
        sure = replace(FEVER, probability=0.95, agreement=0.95, flag="night-sweats")
        return [sure if "sheets" in t and len(t.split()) < 12 else FEVER for t in texts]


LEGS = Scores(
    probability=0.9,
    agreement=0.9,
    flag="weakness-or-numbness-in-the-legs",
    flag_probability=0.9,
    tier="emergency",
    emergency_share=0.95,
)


@pytest.mark.parametrize(
    "flag_probability, intent",
    [
        (CONFIG["emergency_flag_confidence"], "red_flag_emergency"),
        (CONFIG["emergency_flag_confidence"] - 0.1, "red_flag_possible"),
    ],
)
def test_the_emergency_advice_at_once_needs_the_classifier_to_know_which_flag(nlp, flag_probability, intent):
    msg = message(nlp, "my legs feel weird and my back's sore")
    check = RedFlagCheck(CONFIG, model=FixedModel(replace(LEGS, flag_probability=flag_probability)))
    check.process([msg])
    assert msg.get("intent")["name"] == intent
    if intent == "red_flag_possible":
        # The general question; a "yes" still gives the emergency tier.
        assert msg.get("red_flag")["possible"]["question"] == "unspecified"
        assert msg.get("red_flag")["possible"]["tier"] == "emergency"


def test_an_urgent_flag_does_not_need_to_know_which_flag(nlp):
    msg = message(nlp, "I've been feverish since yesterday and my back hurts")
    fixed(0.9, replace(FEVER, flag_probability=0.2, emergency_share=0.1)).process([msg])
    assert msg.get("intent")["name"] == "red_flag_urgent"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("My husband's legs gave way this morning and he's in hospital now", "red_flag_possible"),
        ("My legs gave way this morning and I'm scared", "red_flag_emergency"),
        # A carer's person, now, is a red flag.
        ("I look after my husband and his legs gave way this morning", "red_flag_emergency"),
    ],
)
def test_a_sure_classifier_only_asks_about_a_symptom_told_of_someone_else(nlp, text, intent):
    msg = message(nlp, text)
    RedFlagCheck(CONFIG, model=FixedModel(LEGS)).process([msg])
    assert msg.get("intent")["name"] == intent


class FloorModel(FixedModel):
    """Every hand-written rule is a rule of the floor; the classifier is unsure."""

    def __init__(self, nlp) -> None:
        super().__init__(replace(FEVER, probability=0.3, agreement=0.3, flag_probability=0.3))
        self.floor_rules = frozenset(RedFlagDetector(nlp.vocab).rules())


@pytest.mark.parametrize(
    "text, intent",
    [
        ("whats saddle numbness even mean? keeps coming up", "red_flag_possible"),
        (
            "Would losing feeling during sex be a red flag with back pain? Just wondering, I am fine.",
            "red_flag_possible",
        ),
        ("If I slip on the ice and land on my back, should I go to A&E?", "red_flag_possible"),
        ("I can't feel my bum, what should I do?", "red_flag_emergency"),
        ("I wet myself this morning, is that bad?", "red_flag_emergency"),
    ],
)
def test_a_floor_phrase_asked_about_gets_the_question_and_one_told_the_advice(nlp, text, intent):
    msg = message(nlp, text)
    RedFlagCheck(CONFIG, model=FloorModel(nlp)).process([msg])
    assert msg.get("intent")["name"] == intent


@pytest.mark.parametrize(
    "text, intent",
    [
        ("The pain only goes down my right leg, not both.", "red_flag_possible"),
        ("my back hurts and just the one leg aches a bit", "red_flag_possible"),
        ("the pain goes down both my legs now", "red_flag_emergency"),
    ],
)
def test_pain_said_to_be_in_one_leg_only_is_asked_about(nlp, text, intent):
    both = replace(LEGS, flag="pain-in-both-legs")
    msg = message(nlp, text)
    RedFlagCheck(CONFIG, model=FixedModel(both)).process([msg])
    assert msg.get("intent")["name"] == intent


def checked(nlp, text, scores):
    """The message after the check, with a classifier that scores every text ``scores``."""
    msg = message(nlp, text)
    RedFlagCheck(CONFIG, model=FixedModel(scores)).process([msg])
    return msg


NIGHT = replace(
    FEVER,
    probability=0.9,
    agreement=0.9,
    flag="pain-at-night-or-at-rest",
    flag_probability=0.9,
    tier="urgent",
)


@pytest.mark.parametrize(
    "text, answered",
    [
        ("my back wakes me at 3am when I turn over in bed, what position should I sleep in", True),
        ("my back aches at night on this cheap hotel mattress", True),
        ("i get back ache when i lie on my front too long", True),
        ("my back aches every night on my in-laws' guest bed", True),
        # Unless no position eases it: then it is the flag, advised or asked about.
        ("back pain wakes me every night, no matter how I lie on my side or my back", False),
        ("Tried pillows, a new mattress, nothing helps, the pain is there all night", False),
        ("it's worse when I lie down at night, even on my new mattress", False),
        ("back pain wakes me every night and I have to get up and pace", False),
        ("When I lie down at night it gets steadily worse, nothing I do with pillows helps", False),
        ("It's not the mattress, we bought a new one. Resting doesn't touch it.", False),
    ],
)
def test_night_pain_that_a_position_or_a_bed_brings_on_is_answered(nlp, text, answered):
    msg = checked(nlp, text, NIGHT)
    assert (msg.get("intent")["name"] == "ask_walking_helps") == answered, msg.get("intent")
    assert (msg.get("red_flag") or {}).get("tier") in ((None,) if answered else ("urgent", None))


def test_a_position_does_not_explain_away_another_flag(nlp):
    msg = message(nlp, "my legs gave way when I turned over in bed")
    RedFlagCheck(CONFIG, model=FixedModel(LEGS)).process([msg])
    assert msg.get("intent")["name"] == "red_flag_emergency"


@pytest.mark.parametrize(
    "text, answered",
    [
        (
            "Bloke at work came off his motorbike and hurt his back. Mine's just sore from sitting all day",
            True,
        ),
        ("my mate couldnt feel his legs after his op. im fine, just want walking tips", True),
        ("My brother wet himself with his back pain. Me: back pain after a long drive, nothing else.", True),
        # Someone else's symptom alone, or the writer's own that is new, is still asked about or advised.
        ("My husband's legs gave way this morning and he's in hospital now", False),
        ("My sister had cauda equina. Mine's just started going numb down below.", False),
        ("My dad's legs went weak last week. I just want to know if walking is safe for me.", False),
    ],
)
def test_someone_elses_symptom_beside_the_writers_ordinary_back_pain_is_answered(nlp, text, answered):
    msg = checked(nlp, text, LEGS)
    assert (msg.get("intent")["name"] == "ask_walking_helps") == answered, msg.get("intent")


@pytest.mark.parametrize(
    "text, past",
    [
        ("Years ago I had a fever with my back pain, fine since. Now it's just stiff from driving.", True),
        ("Had a temperature with my back in my twenties, it cleared up. Just sore from the gym now.", True),
        ("I've got a temperature and my back is sore", False),
        # someone else's, which a carer may be telling, is not marked; nor a
        # story long past beside what happens now
        ("My mum had a fever with her back pain years ago and she's got one again today", False),
        ("Had kidney infections years back. This time: a temperature and back pain since last night", False),
    ],
)
def test_a_possible_flag_told_as_long_past_is_marked_so(nlp, text, past):
    msg = checked(nlp, text, replace(FEVER, probability=0.5, agreement=0.5))
    assert msg.get("intent")["name"] == "red_flag_possible"
    assert bool(msg.get("red_flag")["possible"].get("told_as_past")) is past


def test_a_history_of_cancer_is_never_marked_as_past(nlp):
    cancer = replace(FEVER, probability=0.5, agreement=0.5, flag="history-of-cancer", tier="urgent")
    msg = checked(nlp, "I had cancer years ago, all clear since, and my back aches", cancer)
    assert msg.get("intent")["name"] == "red_flag_possible"
    assert not msg.get("red_flag")["possible"].get("told_as_past")


LUMP = replace(NIGHT, flag="swelling-or-change-in-shape")


@pytest.mark.parametrize(
    "text, answered",
    [
        ("there's a swollen lump on my lower back where a wasp stung me yesterday, and my back aches", True),
        ("new tattoo on my lower back is raised and swollen, back's stiff from lying still for it", True),
        ("my GP checked the lump on my back last year and said it's a harmless fatty one, back's sore", True),
        # Unless the cause is denied, guessed at or asked about, or the lump grows or comes with a fever.
        ("It's not a bite or a bruise, but there's a swelling low on my back by the sore bit", False),
        ("new lump above my bum, probably a pimple, yeah?", False),
        ("is this swelling on my back just a bruise?", False),
        ("the lump on my back from the bite is getting bigger and my back hurts", False),
        ("swelling on my lower back since a bee sting, now I've a temperature", False),
    ],
)
def test_a_swelling_with_an_everyday_cause_is_answered(nlp, text, answered):
    msg = checked(nlp, text, LUMP)
    assert (msg.get("intent")["name"] == "ask_walking_helps") == answered, msg.get("intent")


def test_an_everyday_cause_of_a_swelling_does_not_explain_away_a_fall(nlp):
    msg = message(nlp, "fell down the whole flight of stairs last night, back agony, bruised everywhere")
    RedFlagCheck(CONFIG, model=FixedModel(LUMP)).process([msg])
    assert msg.get("intent")["name"] != "ask_walking_helps"


def test_a_symptom_told_as_long_past_is_marked_even_when_the_message_is_answered(nlp):
    text = (
        "Years ago I had a numb patch round my bum after a disc op, fine since. Just stiff from driving now."
    )
    msg = checked(nlp, text, replace(FEVER, probability=0.05, agreement=0.05))
    assert msg.get("intent")["name"] == "ask_walking_helps"
    assert msg.get("red_flag")["told_as_past"] is True
    plain = checked(
        nlp, "my back is stiff from driving, any stretches?", replace(FEVER, probability=0.05, agreement=0.05)
    )
    assert not (plain.get("red_flag") or {}).get("told_as_past")


@pytest.mark.parametrize(
    "text, answered",
    [
        ("legs went to jelly after the big stair climb yesterday and my back's sore, I overdid it", True),
        ("my foot went numb from sitting on it and my back aches, it came back after a minute", True),
        # Unless something says more than the everyday cause.
        ("legs went to jelly after the stair climb and my foot drags now, back's sore", False),
    ],
)
def test_a_symptom_with_an_everyday_cause_is_answered(nlp, text, answered):
    msg = checked(nlp, text, LEGS)
    assert (msg.get("intent")["name"] == "ask_walking_helps") == answered, msg.get("intent")


def test_an_everyday_cause_does_not_explain_away_another_flag(nlp):
    msg = checked(nlp, "legs went to jelly after the stair climb, and I can't feel when I wee", LEGS)
    assert msg.get("intent")["name"] != "ask_walking_helps"


def test_a_message_not_advised_records_the_flags_it_explains(nlp):
    text = "yeah, but it's only my hamstrings, tight after football on saturday"
    msg = checked(nlp, text, replace(FEVER, probability=0.05, agreement=0.05))
    assert "pain-in-both-legs" in msg.get("red_flag")["explained"]
    advised = checked(nlp, "legs went to jelly after the stair climb and my foot drags", LEGS)
    assert "explained" not in advised.get("red_flag")


def test_a_clause_read_as_no_red_flag_names_no_other_flag(nlp):
    # The whole message is read as a leak from laughing (0.3); a clause of it
    # read as a fall, but below the level that would be asked about (0.04,
    # 0.25), does not stop the everyday cause from explaining it. A clause
    # read as a fall more surely (0.5) does.
    laugh = replace(FEVER, probability=0.3, agreement=0.3, flag="bladder-or-bowel-problems", tier="emergency")
    text = "I laughed so hard at the quiz I nearly lost control of my bladder, haha. Back's sore from stools."
    for clause, answered in ((0.04, True), (0.25, True), (0.5, False)):
        fall = replace(laugh, probability=clause, agreement=clause, flag="serious-fall-or-accident")
        msg = message(nlp, text)
        RedFlagCheck(CONFIG, model=ByText({text: laugh}, fall)).process([msg])
        assert (msg.get("intent")["name"] == "ask_walking_helps") == answered, (clause, msg.get("intent"))


class ByText:
    """Scores the whole message one way and every other text another."""

    def __init__(self, scores: dict, otherwise: Scores) -> None:
        self.scores, self.otherwise = scores, otherwise

    def score(self, texts, embeddings, patterns):
        return [self.scores.get(text, self.otherwise) for text in texts]
