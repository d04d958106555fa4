"""The retrieval plan, over a bag-of-words stand-in for the sentence embedding
(the real embedding is exercised by the model tier and the benchmarks)."""

import re
import zlib

import numpy as np
import pytest

from guidance.parser import parse
from tests.conftest import ROOT, WALKING_DOC
from understanding.retrieval import (
    PartClassifier,
    PassageIndex,
    PassageRef,
    Plan,
    Retriever,
    Settings,
    is_question,
    split_parts,
    terms,
    weighted_terms,
)

DESK = ROOT / "tests" / "guidance" / "fixtures" / "desk-sitting-posture.txt"
STOP = {"the", "a", "an", "is", "it", "my", "i", "to", "of", "and", "does", "do", "can", "should", "how"}


def encode(texts):
    vectors = np.zeros((len(texts), 4096), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"[a-z]+", text.lower()):
            if word not in STOP:
                vectors[row, zlib.crc32(word.encode()) % 4096] += 1.0
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.clip(norms, 1e-9, None)


EXAMPLES = {
    "ask_flare_up": ["walk during a flare up", "flare up rest or walk", "back flared up walking"],
    "ask_disc_nutrition": ["walking help spinal discs", "discs nutrition walking", "disc health walk"],
    "ask_not_covered": ["take ibuprofen before walk", "painkillers before walking", "paracetamol walk"],
    "greet": ["hello there", "hi", "good morning"],
}


def retriever(documents, settings=None):
    texts = [t for examples in EXAMPLES.values() for t in examples]
    labels = [intent for intent, examples in EXAMPLES.items() for _ in examples]
    return Retriever(
        PassageIndex.build(documents, encode),
        PartClassifier.fit(encode(texts), labels, c=10.0),
        {"ask_flare_up": "walking", "ask_disc_nutrition": "walking"},
        settings or Settings(passage_threshold=0.3, document_margin=0.05, part_probability=0.4),
    )


@pytest.fixture(scope="module")
def walking_only():
    return retriever({"walking": parse(WALKING_DOC.read_bytes())})


@pytest.fixture(scope="module")
def with_desk():
    return retriever({"walking": parse(WALKING_DOC.read_bytes()), "desk": parse(DESK.read_bytes())})


def plan(r, text, intent, confidence=0.9):
    return r.plan(text, intent, confidence, None, encode)


@pytest.mark.parametrize(
    "text, parts",
    [
        ("does walking help my discs?", ["does walking help my discs?"]),
        (
            "Should I walk during a flare up, and does it help my discs?",
            ["Should I walk during a flare up", "does it help my discs?"],
        ),
        (
            "my back flares up, can I keep walking if I take ibuprofen?",
            ["my back flares up", "can I keep walking if I take ibuprofen?"],
        ),
        ("Is walking good? Also what shoes are best?", ["Is walking good?", "what shoes are best?"]),
        # a clause without a question word stays whole; fragments join their neighbour
        ("I walk and my back aches", ["I walk and my back aches"]),
        ("Hi. Is walking good for my back?", ["Hi. Is walking good for my back?"]),
    ],
)
def test_a_message_splits_into_the_questions_it_asks(text, parts):
    assert split_parts(text) == parts


@pytest.mark.parametrize(
    "part, expected",
    [
        ("does it help my discs?", True),
        ("can I keep walking", True),
        ("my back flares up", False),
        ("If I walk daily", False),
    ],
)
def test_is_question(part, expected):
    assert is_question(part) is expected


def test_a_single_question_keeps_the_classifier_intent(walking_only):
    assert plan(walking_only, "walk during a flare up?", "ask_flare_up").intents == ["ask_flare_up"]


def test_a_two_part_question_gets_both_intents(walking_only):
    result = plan(
        walking_only, "Should I walk during a flare up, and does walking help spinal discs?", "ask_flare_up"
    )
    assert result.intents == ["ask_flare_up", "ask_disc_nutrition"]
    assert not result.uncovered


def test_a_half_covered_question_gets_its_covered_half_and_the_note(walking_only):
    result = plan(
        walking_only, "my back flared up walking, can I take ibuprofen before walk?", "ask_flare_up"
    )
    assert result.intents == ["ask_flare_up"]
    assert result.uncovered


def test_a_covered_intent_with_an_uncovered_whole_message_is_marked_half_covered(walking_only):
    result = plan(walking_only, "walk during a flare up? and take ibuprofen before walk?", "ask_not_covered")
    assert result.intents == ["ask_flare_up"]
    assert result.uncovered


def test_an_uncovered_question_gets_no_plan(walking_only):
    result = plan(walking_only, "take ibuprofen before walk?", "ask_not_covered")
    assert not result.answers and not result.uncovered


def test_a_statement_part_adds_nothing(walking_only):
    result = plan(walking_only, "discs nutrition walking, should I walk during a flare up?", "ask_flare_up")
    assert result.intents == ["ask_flare_up"]


def test_a_document_without_routes_answers_its_own_questions(with_desk):
    result = plan(with_desk, "what chair height, feet flat on the floor?", "nlu_fallback", 0.2)
    assert result.passages[0] == PassageRef("desk", "chair-height")
    assert result.intents == []


def test_a_retrieval_document_is_not_chosen_over_a_routed_one_that_scores_as_well(with_desk):
    result = plan(with_desk, "should I walk during a flare up?", "ask_flare_up")
    assert result.intents == ["ask_flare_up"]
    assert result.passages == []


def test_nothing_relevant_stays_not_covered(with_desk):
    assert not plan(with_desk, "what is the capital of france", "out_of_scope").answers


def test_the_plan_survives_the_parse_data():
    original = Plan(intents=["ask_flare_up"], passages=[PassageRef("desk", "chair-height")], uncovered=True)
    assert Plan.from_dict(original.as_dict()) == Plan(
        intents=["ask_flare_up"], passages=[PassageRef("desk", "chair-height")], uncovered=True
    )
    assert not Plan.from_dict(None).answers


def test_disclaimers_are_known_to_the_index(with_desk):
    assert PassageRef("desk", "note-4") in with_desk.passages.disclaimers
    assert PassageRef("walking", "note-5") in with_desk.passages.disclaimers


def test_a_question_part_that_nothing_answers_is_said_to_be_uncovered(walking_only):
    result = plan(walking_only, "walk during a flare up? and what about hello there?", "ask_flare_up")
    assert result.intents == ["ask_flare_up"]
    assert result.uncovered


def test_texting_conjunctions_split_questions():
    assert split_parts("walkin good 4 discs?? n wat about trainers") == [
        "walkin good 4 discs??",
        "wat about trainers",
    ]
    assert split_parts("is walking ok & should i rest") == ["is walking ok", "should i rest"]


def test_a_question_read_as_not_covered_needs_a_closer_passage_to_be_answered(with_desk):
    text = "what chair height, feet flat on the floor?"
    _, score, _, _ = with_desk.best_passage(encode([text])[0], text)
    documents = {"walking": parse(WALKING_DOC.read_bytes()), "desk": parse(DESK.read_bytes())}
    lenient = retriever(
        documents,
        Settings(passage_threshold=0.3, not_covered_passage_threshold=score - 0.01, part_probability=0.4),
    )
    strict = retriever(
        documents,
        Settings(passage_threshold=0.3, not_covered_passage_threshold=score + 0.01, part_probability=0.4),
    )
    assert plan(lenient, text, "ask_not_covered", 0.9).passages[0] == PassageRef("desk", "chair-height")
    assert not plan(strict, text, "ask_not_covered", 0.9).passages
    # the stricter bar is for the not-covered reading only
    assert plan(strict, text, "nlu_fallback", 0.2).passages[0] == PassageRef("desk", "chair-height")


def flat_encode(texts):
    """An embedding that tells no text from another: only the words can."""
    return np.ones((len(texts), 8), dtype=np.float32) / np.sqrt(8)


def test_terms_are_lemmas_without_stop_words():
    assert terms("Should I be lifting the boxes while twisting?") == ["lift", "box", "twist"]
    assert terms("It’s my knees") == ["knee"]


@pytest.mark.parametrize(
    "question, key",
    [
        ("where does the footrest go", "chair-height"),
        ("how far away should the monitor be", "screen-position"),
        ("is a rolled-up towel any use", "lumbar-support"),
    ],
)
def test_a_word_the_question_shares_with_one_passage_ranks_it_first(question, key):
    index = PassageIndex.build({"desk": parse(DESK.read_bytes())}, flat_encode)
    vector = flat_encode([question])[0]
    without = index.scores(vector, question, lexical_weight=0.0)
    assert np.ptp(without) == pytest.approx(0.0), "the flat embedding ranks no passage above another"
    scores = index.scores(vector, question, lexical_weight=0.3)
    assert index.refs[int(np.argmax(scores))] == PassageRef("desk", key)


def test_a_word_many_passages_have_weighs_less_than_a_rare_one():
    index = PassageIndex.build({"desk": parse(DESK.read_bytes())}, flat_encode)
    assert index.idf["chair"] < index.idf["footrest"]
    vector = flat_encode(["x"])[0]
    common = index.scores(vector, "my chair", lexical_weight=0.3)
    rare = index.scores(vector, "a footrest", lexical_weight=0.3)
    assert common.max() - common.min() < rare.max() - rare.min()


def test_the_opening_and_closing_paragraphs_are_never_added_beside_a_closer_point():
    documents = {"walking": parse(WALKING_DOC.read_bytes()), "desk": parse(DESK.read_bytes())}
    everything_ties = retriever(
        documents, Settings(passage_threshold=0.3, passage_tie=2.0, part_probability=0.4)
    )
    passages = plan(everything_ties, "my feet dont reach the floor, footrest?", "nlu_fallback", 0.2).passages
    assert passages[0] == PassageRef("desk", "chair-height")
    assert PassageRef("desk", "screen-position") in passages, "the other points tie"
    assert not {PassageRef("desk", "intro"), PassageRef("desk", "conclusion")} & set(passages)
    summary = plan(everything_ties, "how should you sit at a desk with lower back pain", "nlu_fallback", 0.2)
    assert summary.passages[0] == PassageRef("desk", "intro"), "the opening still answers when it is closest"


def test_the_fast_scores_are_each_passages_best_anchor_plus_its_words():
    index = PassageIndex.build(
        {"walking": parse(WALKING_DOC.read_bytes()), "desk": parse(DESK.read_bytes())}, encode
    )
    question = "is a footrest or a cushion better for my lower back at my desk?"
    vector = encode([question])[0]
    similarity = index.anchor_vectors @ vector
    expected = np.array(
        [similarity[index.anchor_owner == row].max() for row in range(len(index.refs))], dtype=np.float32
    )
    assert np.allclose(index.scores(vector, question), expected)
    words = weighted_terms(terms(question), index.idf, index.unseen_idf)
    shared = [
        sum(weight * passage.get(word, 0.0) for word, weight in words.items())
        for passage in index.passage_terms
    ]
    assert max(shared) > 0
    assert np.allclose(
        index.scores(vector, question, lexical_weight=0.3), expected + 0.3 * np.asarray(shared)
    )
    # Anchors out of passage order are scored the same, the slow way.
    order = np.random.default_rng(7).permutation(len(index.anchor_owner))
    shuffled = PassageIndex(
        index.refs,
        index.anchor_vectors[order],
        index.anchor_owner[order],
        passage_terms=index.passage_terms,
        idf=index.idf,
    )
    assert np.allclose(
        shuffled.scores(vector, question, lexical_weight=0.3), index.scores(vector, question, 0.3)
    )


def test_a_question_about_the_situation_just_told_is_not_called_uncovered(walking_only):
    # The stand-in embedding reads "hello there" as a greeting: alone, the
    # second part looks unrelated to the flare-up question.
    told = plan(walking_only, "I walked during a flare up. Is that hello there?", "ask_flare_up")
    asked = plan(walking_only, "Should I walk during a flare up? Is that hello there?", "ask_flare_up")
    assert told.intents == asked.intents == ["ask_flare_up"]
    assert not told.uncovered
    assert asked.uncovered


def test_a_message_a_retrieval_document_answers_whole_is_half_covered_only_when_a_topic_is_named(with_desk):
    text = "what chair height, feet flat on the floor? I sit all day at a desk"
    read = with_desk.plan(text, "ask_not_covered", 0.9, None, encode)
    named = with_desk.plan(text, "ask_not_covered", 0.9, None, encode, topic_named=True)
    assert read.passages and read.passages == named.passages
    assert named.passages[0] == PassageRef("desk", "chair-height")
    assert not read.uncovered
    assert named.uncovered
