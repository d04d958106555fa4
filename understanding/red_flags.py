"""Finds red-flag symptoms in a message. Deterministic: spaCy matcher patterns
over lemmas and lower-cased words, plus negation and scope rules.

A flag is either one phrase ("wet myself", "foot drop") or two terms in the
same sentence (a numbness word near a saddle-area word). A term preceded in its
clause by a negation ("no", "not", "never", "without", "n't") is negated.

Safety choices, where a phrase is ambiguous:
* uncertainty is not negation: "not sure if it's numbness", "don't think I
  have a fever", "no idea why I'm losing weight" still flag;
* "no longer" is not negation ("I can no longer feel my legs");
* any fall or accident with back pain flags, not only ones called serious;
* a family history of cancer flags the urgent tier;
* someone else's symptoms ("my dad wet himself") flag like one's own.
What does not flag: one leg tingling or numb (sciatica-like), tired or heavy
legs, pain on bending, losing weight on purpose, and general questions about
red flags that say nothing about the writer ("what are red flags?").
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from understanding.patterns import copy_patterns

EMERGENCY = "emergency"
URGENT = "urgent"

# Each flag's key is the passage key of its entry in the red-flag document.
FLAG_TIERS = {
    "saddle-numbness": EMERGENCY,
    "bladder-or-bowel-problems": EMERGENCY,
    "weakness-or-numbness-in-the-legs": EMERGENCY,
    "sexual-problems": EMERGENCY,
    "serious-fall-or-accident": EMERGENCY,
    "pain-in-both-legs": EMERGENCY,
    "fever": URGENT,
    "unexplained-weight-loss": URGENT,
    "history-of-cancer": URGENT,
    "pain-at-night-or-at-rest": URGENT,
    "night-sweats": URGENT,
    "swelling-or-change-in-shape": URGENT,
}

NEGATIONS = {"no", "not", "n't", "never", "without", "nor", "none", "neither", "nothing"}
# Words that deny what follows: a clinical denial ("Denies saddle
# anaesthesia", matched as typed or by lemma) and "free" ("symptom-free").
DENIALS = {"deny", "denies", "denied", "denying", "free"}
# Words after a negation that make it uncertainty, not denial.
UNCERTAIN_AFTER = {"sure", "know", "think", "idea", "certain", "tell", "remember", "longer", "anymore"}
# Words after a negation that make the negation part of the symptom
# ("no feeling", "not able to pee", "no control", "no amount of rest helps").
SYMPTOM_AFTER = {"able", "feeling", "sensation", "control", "urge", "strength", "amount"}
SENTENCE_BREAKS = {".", "!", "?", ";", "\n"}
CLAUSE_BREAKS = SENTENCE_BREAKS | {"but", "however", "although", "though", "except"}
# Words that start a new clause after a comma, ending a negation's reach.
CLAUSE_STARTERS = {
    "i",
    "i'm",
    "im",
    "i've",
    "ive",
    "i'd",
    "my",
    "it",
    "it's",
    "its",
    "but",
    "and",
    "now",
    "then",
    "so",
    "he",
    "she",
    "they",
    "we",
    "though",
    "yet",
    "which",
    "this",
    "that",
    "there",
    "since",
}
# A negation that is a whole answer ("No, ..."), reaching nothing after its comma.
ANSWER_WORDS = {"no", "nope", "nah", "not", "never", "nothing", "none"}
HYPOTHETICAL_FORMS = (
    re.compile(r"\bif\b[^.?!]*\bever\b"),
    re.compile(r"\bwhat (should|would|do|does) (i|you|we|one|someone|they) do if\b"),
    re.compile(
        r"\bif (i|you|someone|one) (did|were|was|had|got|could|lost|started|developed|noticed|began)\b"
        r"[^.?!]*\?"
    ),
    # Formal: "were I to develop...", "in the event of new weakness, ..."
    re.compile(r"\bwere (i|you|someone|one) to\b"),
)
CONDITION_QUESTIONS = (
    re.compile(
        r"\b(what|wat|wot) (does|do|is|are|would)\b[^.?!]*\b(mean|means|feel like|feels like|look like)\b"
    ),
    re.compile(r"\bwhich of (these|those|them)\b"),
    re.compile(r"(^\s*|[.?!]\s+)(is|are)\b[^.?!]*\b(always|ever|usually|normally)\b[^.?!]*(\?|$)"),
    re.compile(
        r"\b(can|could|does|do|will|would|might)\b[^.?!]*\b(cause|causes|lead to|be a sign of|be caused by)\b"
        r"[^.?!]*\?"
    ),
    re.compile(r"\bis\b[^.?!]*\bthe same (thing )?as\b"),
    re.compile(r"\bwhy (do|does|would|is|are)\b[^.?!]*\b(doctors?|gps?|surgeons?|physios?|nurses?)\b"),
)
HYPOTHETICAL_CUES = (
    " what if ",
    " if i ever ",
    " if ever ",
    " suppose ",
    " supposing ",
    " imagine ",
    " hypothetically ",
    " in future ",
    " in the future ",
    " if i were to ",
    " say i ",
    " if someone ",
    " if a person ",
    " what would happen if ",
    " would it be ",
    " in case ",
    " in the event of ",
    " in the event that ",
)
# Told at a distance: an event long past, or one that happened to someone
# else. A phrase of the pattern floor gives advice only when the message is not
# told at a distance (the classifier still reads it as a whole).
_THIS_YEAR = datetime.date.today().year
LONG_AGO_FORMS = (
    re.compile(
        r"\b(\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|a few|few|several|many|"
        r"some|a couple of|couple of|a couple) (years?|yrs?|decades?) (ago|back|before|earlier)\b"
    ),
    re.compile(r"\b(years|yrs|yonks|decades|a long time|long time) (ago|back|before|earlier)\b"),
    re.compile(r"\bway back (in|when|then|before)\b"),
    re.compile(r"\bgoing back (about |some |nearly |almost |over |a good )?\w+ (years|yrs|decades)\b"),
    re.compile(r"\b(ancient history|long gone|long since)\b"),
    re.compile(r"\bback in (the )?(day|\d{2,4}s?|nineties|eighties|seventies|noughties)\b"),
    re.compile(r"\bback (in|at|when i was (in|at)) (high school|school|college|uni|university|sixth form)\b"),
    re.compile(r"\bbefore (i had |we had |the )?(kids|children)\b"),
    # A past year given as a date: "(2005)", "once, 2015, resolved", "around 2012".
    # (Not this year or last, and not "since 2019": that goes on.)
    re.compile(
        r"(\b(around|about|circa|roughly|approx|like|c|during|from|of) |\( *)"
        rf"(?!{_THIS_YEAR}|{_THIS_YEAR - 1})(19|20)\d\d\b"
    ),
    re.compile(rf"(?<!since )\b(?!{_THIS_YEAR}|{_THIS_YEAR - 1})(19|20)\d\d( ,| ;| \)| –| -)"),
    re.compile(r"\bin (19|20)\d\d\b"),
    re.compile(
        r"\b(when|while) (i|he|she|they|we) (was|were) (a |an |in |at |still |like |about |around )?"
        r"(kid|child|teen|teenager|younger|little|baby|boy|girl|student|school|uni|college|pregnant|\d+|"
        r"high school|primary school|secondary school|middle school)"
    ),
    re.compile(r"\bas a (kid|child|teen|teenager|boy|girl|youngster|student)\b"),
    re.compile(r"\b(long|ages|decades) ago\b"),
    # A sentence that opens with a year, as in a list of past episodes:
    # "2014 had sciatica, gone since", "2010: slipped disc".
    # (Not this year or last: "2026: can't pee since Monday" is news.)
    re.compile(
        rf"(^ +|[.!?;] +)(?!{_THIS_YEAR}|{_THIS_YEAR - 1})(19|20)\d\d( :| ,| -| had| was| got| i\b| my\b)"
    ),
    # "Had a big crash once": "once" closing its clause is one time, in the past
    # ("once I sit down" opens a clause and is not).
    re.compile(r"\b(had|did|got|was|fell|crashed|hurt)\b[^.?!]{0,40} once( [.,!?;]| and\b| but\b| *$)"),
    # Told of someone who has since died: "before he died".
    re.compile(r"\b(he|she|they) (died|passed away|passed on)\b"),
)
# The symptom has passed: "gone now", "it wore off", "the feeling came back
# once he took them off". Not when negated ("it hasn't gone away").
RESOLVED_FORMS = (
    re.compile(
        r"(?<!not )(?<!n't )(?<!never )(?<!nt )\b(gone now|all gone|wore off|worn off|wearing off|went away|"
        r"gone away|goes away after|cleared up|back to normal|fine now|ok now|okay now|normal now|"
        r"settled down|passed off|resolved within|resolved after|resolved by|recovered|full recovery|"
        r"came good|went after|gone since(?= *[.,;!?]| *$))"
    ),
    re.compile(r"\b(feeling|sensation|it) came back (once|when|after|as soon|within)\b"),
)
BODY_WORDS = {
    "back",
    "spine",
    "leg",
    "legs",
    "foot",
    "feet",
    "bum",
    "bottom",
    "butt",
    "backside",
    "groin",
    "bladder",
    "bowel",
    "bowels",
    "hip",
    "hips",
    "thigh",
    "thighs",
    "knee",
    "knees",
    "toes",
    "body",
    "skin",
    "side",
}
# The writer speaks as the carer of the person with the symptom: their
# symptom now is a red flag, not someone else's story.
CARER_FORMS = re.compile(
    r"\b(i|i'm|im|we) (care for|look after|looking after|caring for|support|am caring|am the carer)\b"
    r"|\b(carer|caregiver|care giver)\b|\bon behalf of\b|\bwriting for\b"
)
OTHER_PEOPLE = {
    "he",
    "she",
    "they",
    "him",
    "her",
    "his",
    "hers",
    "their",
    "mum",
    "mom",
    "mother",
    "dad",
    "father",
    "wife",
    "husband",
    "partner",
    "son",
    "daughter",
    "brother",
    "sister",
    "friend",
    "mate",
    "colleague",
    "neighbour",
    "neighbor",
    "nan",
    "nana",
    "gran",
    "granny",
    "grandma",
    "grandmother",
    "grandad",
    "grandpa",
    "grandfather",
    "uncle",
    "aunt",
    "auntie",
    "cousin",
    "boyfriend",
    "girlfriend",
    "patient",
    "client",
    "coworker",
    "co-worker",
    "boss",
    "flatmate",
    "roommate",
    "someone",
    "somebody",
    "people",
}
PRONOUNS = {"he", "she", "they", "him", "her", "his", "hers", "their", "someone", "somebody", "people"}
# Who the message speaks for: the writer ("I can't feel..."), not only as owner ("my friend...").
FIRST_PERSON_SUBJECT = {"i", "me", "myself", "i'm", "im", "i've", "ive", "i'd", "id", "i'll"}
PAIR_WINDOW = 10
FIRST_PERSON = {"i", "me", "my", "mine", "myself", "i'm", "im", "i've", "ive", "i'd", "id", "we", "our", "us"}
GENERAL_TOPIC = {"red-flag", "warning-sign", "cauda-equina"}


VOCABULARY = Path(__file__).resolve().parent / "red_flag_vocabulary.yml"
Pattern = list[dict]


class VocabularyError(ValueError):
    """A line of the red-flag vocabulary cannot be read."""


def parse_token(text: str) -> dict:
    """One token of the vocabulary's pattern syntax (see the file's header)."""
    optional = text.endswith("?") and text != "?"
    body = text[:-1] if optional else text
    if body == "*":
        return {"OP": "?"}
    if body == "#":
        token: dict = {"LIKE_NUM": True}
    elif body.startswith("~"):
        token = {"LEMMA": {"IN": body[1:].split("|")}}
    else:
        token = {"LOWER": {"IN": body.split("|")}}
    if not all(token.get("LEMMA", token.get("LOWER", {"IN": ["#"]}))["IN"]):
        raise VocabularyError(f"empty word in {text!r}")
    return {**token, "OP": "?"} if optional else token


def parse_pattern(line: str) -> Pattern:
    return [parse_token(token) for token in line.split()]


def load_vocabulary(path: Path = VOCABULARY) -> dict:
    """The vocabulary as spaCy matcher patterns: ``phrases`` and ``pairs`` by
    flag, ``exclusions`` and ``general_question``."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = {name: [parse_pattern(line) for line in lines] for name, lines in raw["terms"].items()}
    unknown = set(raw["phrases"]) | set(raw["pairs"])
    unknown -= set(FLAG_TIERS)
    if unknown:
        raise VocabularyError(f"{path}: unknown flags {sorted(unknown)}")
    return {
        "phrases": {flag: [parse_pattern(line) for line in lines] for flag, lines in raw["phrases"].items()},
        "pairs": {
            flag: [(terms[left], terms[right]) for left, right in pairs]
            for flag, pairs in raw["pairs"].items()
        },
        "exclusions": [parse_pattern(line) for line in raw["exclusions"]],
        "general_question": [parse_pattern(line) for line in raw["general_question"]],
    }


_VOCABULARY = load_vocabulary()
PHRASES: dict[str, list[Pattern]] = _VOCABULARY["phrases"]
PAIRS: dict[str, list[tuple[list[Pattern], list[Pattern]]]] = _VOCABULARY["pairs"]
EXCLUSIONS: list[Pattern] = _VOCABULARY["exclusions"]
GENERAL_QUESTION: list[Pattern] = _VOCABULARY["general_question"]


@dataclass(frozen=True)
class Mention:
    flag: str
    start: int
    end: int
    text: str
    negated: bool
    rule: str = ""  # "<flag>|<n>" for the n-th phrase of the flag, "<flag>|pair<n>" for a pair


@dataclass(frozen=True)
class Finding:
    """The outcome of a check: the tier and phrase of the strongest flag found,
    and every mention, negated ones included, for the transcript."""

    tier: str | None
    flag: str | None
    phrase: str | None
    mentions: tuple[Mention, ...] = ()
    general_question: bool = False
    hypothetical: bool = False
    long_ago: bool = False  # an event long past ("years ago", "as a kid")
    someone_else: bool = False  # about another person, not the writer
    # A figure of speech of the vocabulary's exclusions ("I nearly wet myself
    # laughing", "fell asleep"), and no symptom phrase besides.
    figurative: bool = False
    # The symptom has passed ("numb for an hour after spin class, gone now").
    resolved: bool = False
    # Someone else has the symptom and the writer tells their own back pain
    # apart from it ("my dad fell down the stairs... my own back just aches").
    contrasted: bool = False
    # ...and says in one of its own sentences that its own is ordinary
    # ("mine's just sore", "my back's fine", "nothing like that").
    own_ordinary: bool = False

    def distanced(self, flag: str) -> bool:
        """Whether a mention of ``flag`` is told at a distance. A history of
        cancer is a red flag however long ago it was, or however well it went."""
        if flag == "history-of-cancer":
            return self.someone_else
        return self.someone_else or self.long_ago or self.resolved

    @property
    def negated_only(self) -> bool:
        return self.tier is None and any(m.negated for m in self.mentions)


class RedFlagDetector:
    """Runs the red-flag patterns over a spaCy Doc (lemmas from the lookup lemmatizer)."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.phrases = Matcher(vocab)
        for flag, patterns in PHRASES.items():
            for index, pattern in enumerate(patterns):
                self.phrases.add(f"{flag}|{index}", copy_patterns([pattern]))
        self.exclusions = Matcher(vocab)
        self.exclusions.add("exclusion", copy_patterns(EXCLUSIONS))
        self.general = Matcher(vocab)
        self.general.add("general", copy_patterns(GENERAL_QUESTION))
        self.terms = Matcher(vocab)
        self.pair_labels: dict[str, list[tuple[str, str]]] = {}
        for flag, pairs in PAIRS.items():
            for index, (left, right) in enumerate(pairs):
                left_label, right_label = f"{flag}#{index}#L", f"{flag}#{index}#R"
                self.terms.add(left_label, copy_patterns(left))
                self.terms.add(right_label, copy_patterns(right))
                self.pair_labels.setdefault(flag, []).append((left_label, right_label))

    def check(self, doc: Doc) -> Finding:
        clauses = _clause_ids(doc, CLAUSE_BREAKS)
        sentences = _clause_ids(doc, SENTENCE_BREAKS)
        excluded = {i for _, s, e in self.exclusions(doc) for i in range(s, e)}
        mentions: list[Mention] = []

        for match_id, start, end in self.phrases(doc):
            if any(i in excluded for i in range(start, end)):
                continue
            rule = self.vocab.strings[match_id]
            flag = rule.split("|")[0]
            mentions.append(
                Mention(flag, start, end, doc[start:end].text, _negated(doc, start, clauses), rule)
            )

        terms: dict[str, list[tuple[int, int]]] = {}
        for match_id, start, end in self.terms(doc):
            if any(i in excluded for i in range(start, end)):
                continue
            terms.setdefault(self.vocab.strings[match_id], []).append((start, end))
        for flag, pairs in self.pair_labels.items():
            for index, (left_label, right_label) in enumerate(pairs):
                for ls, le in terms.get(left_label, []):
                    if _negated(doc, ls, clauses):
                        # "no numbness", "not any leg weakness": a denied symptom,
                        # recorded so a classifier guess cannot overrule it.
                        mentions.append(Mention(flag, ls, le, doc[ls:le].text, True, f"{flag}|pair{index}"))
                    for rs, re_ in terms.get(right_label, []):
                        if (
                            sentences[ls] != sentences[rs]
                            or abs(ls - rs) > PAIR_WINDOW
                            or (ls, le) == (rs, re_)
                        ):
                            continue
                        first = min(ls, rs)
                        span = doc[first : max(le, re_)]
                        negated = _negated(doc, ls, clauses) or _negated(doc, first, clauses)
                        mentions.append(
                            Mention(flag, span.start, span.end, span.text, negated, f"{flag}|pair{index}")
                        )

        positive = [m for m in mentions if not m.negated]
        asks = bool(self.general(doc)) or (bool(mentions) and asks_about_a_condition(doc))
        general = asks and not first_person(doc)
        contrasted = told_of_someone_else(doc, positive, sentences)
        own_ordinary = contrasted and own_told_as_ordinary(doc, positive, sentences)
        context = {
            "hypothetical": hypothetical(doc, positive, sentences),
            "long_ago": long_ago(doc),
            "someone_else": about_someone_else(doc) or contrasted,
            "figurative": bool(excluded) and not positive,
            "resolved": resolved(doc),
            "contrasted": contrasted,
            "own_ordinary": own_ordinary,
        }
        if general or not positive:
            return Finding(None, None, None, tuple(mentions), general_question=general, **context)
        best = min(positive, key=lambda m: (FLAG_TIERS[m.flag] != EMERGENCY, m.start))
        return Finding(FLAG_TIERS[best.flag], best.flag, best.text, tuple(mentions), **context)

    def rules(self) -> list[str]:
        """Every rule's name, as in ``Mention.rule``."""
        names = [f"{flag}|{i}" for flag, patterns in PHRASES.items() for i in range(len(patterns))]
        return names + [f"{flag}|pair{i}" for flag, pairs in PAIRS.items() for i in range(len(pairs))]


def _clause_ids(doc: Doc, breaks: set[str]) -> list[int]:
    ids, current = [], 0
    for token in doc:
        if token.lower_ in breaks or "\n" in token.text:
            current += 1
        ids.append(current)
    return ids


def _negated(doc: Doc, start: int, clauses: list[int]) -> bool:
    """Whether a negation earlier in the term's clause reaches it.

    A negation reaches forward to the end of its clause. A comma ends the
    clause when a new one starts after it ("nothing works, I wet myself") or
    when the negation is an answer on its own ("No, but..."); a comma inside a
    list of symptoms does not ("no numbness, tingling or weakness").
    A term that is itself a negation ("no feeling") is not negated by an
    earlier one ("I didn't expect it, but I've had almost no feeling").
    """
    if doc[start].lower_ in NEGATIONS:
        return False
    for i in range(start - 1, -1, -1):
        if clauses[i] != clauses[start]:
            return False
        token = doc[i]
        if token.lower_ == "," and _new_clause_after(doc, i):
            return False
        if token.lower_ in NEGATIONS or token.lower_ in DENIALS or token.lemma_.lower() in DENIALS:
            following = doc[i + 1].lower_ if i + 1 < len(doc) else ""
            following2 = doc[i + 2].lower_ if i + 2 < len(doc) else ""
            if {following, following2} & (UNCERTAIN_AFTER | SYMPTOM_AFTER):
                return False
            return True
    return False


def _new_clause_after(doc: Doc, comma: int) -> bool:
    before = doc[comma - 1].lower_ if comma > 0 else ""
    after = doc[comma + 1].lower_ if comma + 1 < len(doc) else ""
    return before in ANSWER_WORDS or after in CLAUSE_STARTERS


def hypothetical(doc: Doc, positive: list[Mention] | None = None, sentences: list[int] | None = None) -> bool:
    """A what-if question ("what if my legs ever went numb?"). With symptom
    mentions, every one must be in a what-if sentence: "would it be better to
    walk less?" does not make "I wake up soaked in sweat" a what-if."""
    if not positive or sentences is None:
        return _hypothetical_text(" " + " ".join(t.lower_ for t in doc) + " ")
    return all(_hypothetical_text(_sentence_text(doc, sentences, m.start)) for m in positive)


def _hypothetical_text(text: str) -> bool:
    return any(cue in text for cue in HYPOTHETICAL_CUES) or any(p.search(text) for p in HYPOTHETICAL_FORMS)


def _sentence_text(doc: Doc, sentences: list[int], index: int) -> str:
    """The sentence of the token at ``index``, with the mark that ends it."""
    words = [t.lower_ for t in doc if sentences[t.i] == sentences[index]]
    ends = [t.lower_ for t in doc if sentences[t.i] == sentences[index] + 1][:1]
    return " " + " ".join(words + [w for w in ends if w in SENTENCE_BREAKS]) + " "


def _on_my_body(doc: Doc, mention: Mention) -> bool:
    """ "My husband found a lump on my back": the writer's own body, near the mention."""
    for i in range(max(0, mention.start - 3), min(len(doc) - 1, mention.end + 3)):
        if doc[i].lower_ in {"my", "me"} and any(
            t.lower_ in BODY_WORDS or t.lemma_.lower() in BODY_WORDS for t in doc[i + 1 : i + 3]
        ):
            return True
    return False


def resolved(doc: Doc) -> bool:
    """The symptom has passed ("gone now", "it wore off")."""
    text = " " + " ".join(t.lower_ for t in doc) + " "
    return any(p.search(text) for p in RESOLVED_FORMS)


def told_of_someone_else(doc: Doc, positive: list[Mention], sentences: list[int]) -> bool:
    """Every symptom is told of another person, in sentences where the writer
    is not the subject, and the writer speaks of themselves elsewhere, not as
    that person's carer ("My neighbour couldn't feel her legs. It's made me
    nervous about my own back")."""
    if not positive or CARER_FORMS.search(doc.text.lower()):
        return False
    told: set[int] = set()
    for mention in positive:
        words = _sentence_text(doc, sentences, mention.start).split()
        if not set(words) & OTHER_PEOPLE or _writer_as_subject(words) or _on_my_body(doc, mention):
            return False
        told.add(sentences[mention.start])
    return any(t.lower_ in FIRST_PERSON_SUBJECT | {"my", "mine"} and sentences[t.i] not in told for t in doc)


# The writer's own back pain, told as ordinary beside someone else's symptom:
# "mine's just sore", "my back's fine", "I'm fine", "nothing like that". Not
# "mine's just started going numb".
OWN_ORDINARY_FORMS = re.compile(
    r"\b(?:mine|my (?:own )?backs?|my own)(?:'s| is| has| feels?| been)*"
    r"(?: (?:only|just|a bit|a little|bit|really|totally|pretty|still))*"
    r" (?:just|only|fine|ok|okay|normal|usual|ordinary)\b"
    r"(?! (?:started|begun|noticed|gone|got|become|developed|come|turned))"
    r"|\bi(?:'m| am| ?m) (?:fine|ok|okay)\b|\bnothing like that\b|\bnothing else\b"
    r"|\bi(?:'ve| have|ve)? (?:only |just )+got (?:a (?:bit|touch) of )?(?:a )?"
    r"(?:sore|stiff|achy|aching|bad|tight)\b"
)


def own_told_as_ordinary(doc: Doc, positive: list[Mention], sentences: list[int]) -> bool:
    """A sentence of the writer's own, apart from those that tell the symptom,
    calls the writer's own back pain ordinary ("Mine's just sore from netball")."""
    told = {sentences[m.start] for m in positive}
    # One first-person word of each of the writer's own sentences.
    own = {sentences[t.i]: t.i for t in doc if t.lower_ in FIRST_PERSON_SUBJECT | {"my", "mine"}}
    for sentence, index in own.items():
        text = _sentence_text(doc, sentences, index).replace(" '", "'").replace(" n't", "n't")
        if sentence not in told and OWN_ORDINARY_FORMS.search(text.replace("’", "'")):
            return True
    return False


# What happens now, beside a story long past: "years ago I had kidney
# infections. This time: fever since last night". A message that says so is
# not told as past.
RECENT_FORMS = re.compile(
    r"\b(?:this time|this is new|it'?s new|but now|and now|since (?:yesterday|last|this|the weekend|mon|tue|"
    r"wed|thu|fri|sat|sun)\w*|started (?:yesterday|today|last|this|on)|today|yesterday|last night|tonight|"
    r"this (?:week|morning|afternoon|evening)|(?:few|couple of|two|three|several) days)\b"
)


def _plain(doc: Doc | str) -> str:
    """The text in lower case, with typographic apostrophes made plain."""
    return (doc if isinstance(doc, str) else doc.text).lower().replace("’", "'")


def told_now(doc: Doc) -> bool:
    return bool(RECENT_FORMS.search(_plain(doc)))


# A stage of life, "in my twenties", "in his late teens": long past unless
# told in the present ("I'm a woman in my 30s").
LIFE_STAGE = re.compile(
    r"\b(in|during) (my|his|her|their|our) (early |mid |late |mid-)?(teens|teenage years|twenties|"
    r"twentys|thirties|forties|fifties|sixties|seventies|[1-9]0s|youth)\b"
)
PRESENT_SELF = re.compile(
    r"\b(i 'm|i am|im|he 's|she 's|he is|she is|we 're|they 're|we are|they are)\b[^.;!?]*$"
)


def long_ago(doc: Doc) -> bool:
    """An event told as long past ("years ago", "back in 2009", "as a kid")."""
    text = " " + " ".join(t.lower_ for t in doc) + " "
    if any(p.search(text) for p in LONG_AGO_FORMS):
        return True
    return any(not PRESENT_SELF.search(text[: m.start()]) for m in LIFE_STAGE.finditer(text))


def about_someone_else(doc: Doc) -> bool:
    """Another person is named and the writer never speaks as the subject
    ("my husband can't feel his legs", not "I fell and so did my friend")."""
    words = [t.lower_ for t in doc]
    return bool(set(words) & OTHER_PEOPLE) and not _writer_as_subject(words)


def _writer_as_subject(words: list[str]) -> bool:
    """Whether the writer speaks as a subject ("I", "me"). "Me mate", "me
    mum" are "my mate", "my mum" in British and Australian speech."""
    return any(
        word in FIRST_PERSON_SUBJECT and not (word == "me" and following in OTHER_PEOPLE - PRONOUNS)
        for word, following in zip(words, [*words[1:], ""], strict=True)
    )


def asks_about_a_condition(doc: Doc) -> bool:
    """A question about what a symptom means or causes ("what does foot drop mean?",
    "can a slipped disc cause bladder problems?")."""
    text = " " + doc.text.lower() + " "
    return any(p.search(text) for p in CONDITION_QUESTIONS)


def first_person(doc: Doc) -> bool:
    return any(token.lower_ in FIRST_PERSON for token in doc)


# Words that open a question or a condition: a clause that starts with one,
# in a sentence that ends with "?", asks about a symptom rather than tells it
# ("would losing feeling during sex be a red flag?"); "if" always does.
QUESTION_OPENERS = frozenset(
    "what whats what's wat wot which who how why when would could can is are am was were "
    "does do did should shd will might may has have".split()
)


def asked_in_question(doc: Doc, mention: Mention) -> bool:
    """Whether ``mention`` is in a clause that asks (a question that opens with
    a question word, or an if-clause) rather than in one that tells: "whats
    saddle numbness even mean?", not "I can't feel my bum, what should I do?"."""
    start = mention.start
    while start > 0 and doc[start - 1].text not in SENTENCE_BREAKS and doc[start - 1].text != ",":
        start -= 1
    end = mention.end
    while end < len(doc) and doc[end].text not in SENTENCE_BREAKS:
        end += 1
    opener = doc[start].lower_
    if opener == "if":
        return True
    return end < len(doc) and doc[end].text == "?" and opener in QUESTION_OPENERS


# Pain in one leg is ordinary sciatica, not the both-legs flag: "only down my
# right leg, not both", "just the one leg".
ONE_LEG_FORMS = re.compile(
    r"\bnot both\b|\bonly (one|1|the one|my (left|right)) (leg|side)\b|\bjust (one|the one) leg\b"
    r"|\bdown my (left|right) leg\b"
)


# Pain at night is a red flag when nothing eases it. Pain that a position, a
# movement or a bed brings on ("when I roll over", "lying on my front", "on
# this cheap hotel mattress") is mechanical back pain, unless the message
# also says no position helps.
POSITION_CAUSES = re.compile(
    r"\b(?:turn(?:ing|s)?|roll(?:ing|s)?)\s+(?:over|round|around|onto)"
    r"|\b(?:lie|lying|laying|lay|sleep|sleeping|slept)\s+(?:on\s+(?:my|me|the|a|your)\s+"
    r"(?:front|side|left|right|back|stomach|tummy|belly|floor|couch|sofa)|funny|awkwardly|wrong|badly)"
    r"|\b(?:mattress|pillows?|futon|sofa\s*bed|camp\s*bed|air\s*bed|hotel\s+bed|sleeping\s+position|position\s+i\s+sleep)\b"
    r"|\b(?:guest|spare|spare\s+room|borrowed|saggy|lumpy|cheap|rented|bunk)\s+bed\b"
    r"|\bin\s+(?:one|the\s+same)\s+position\b"
)
UNRELIEVED = re.compile(
    r"\bno\s+matter\b|\b(?:any|every|whatever|each|no|single)\s+(?:position|way)\b|\bsame\s+when\b"
    r"|\bnothing\b[^.?!,;]{0,30}?\b(?:helps?|works?|eases?|touche[sd]|changes?|makes?)\b"
    r"|\b(?:lie|lying|lay|laying)\s+down\b[^.?!]{0,40}?\bworse\b|\b(?:doesn'?t|does\s+not|didn'?t|won'?t|never)\s+"
    r"(?:help|ease|change|matter|settle|go|stop|let\s+up|touch|shift|budge)|\bconstant|\ball\s+the\s+time\b|\bnot\s+even\b"
    r"|\beven\s+(?:when\s+i'?m\s+)?(?:just\s+)?(?:lying|resting|still|sitting)|\bcan'?t\s+(?:get\s+)?(?:comfy|comfortable)\b"
    r"|\bworse\s+(?:when\s+i'?m\s+|when\s+i\s+)?(?:resting|rest|lying|lie|at\s+rest|at\s+night|in\s+bed)\b"
    r"|\bunbearable\b|\bwhether\s+i\b|\bnone\s+of\s+(?:it|them|that|those)\b|\bno\s+better\b"
)


NIGHT_PAIN = "pain-at-night-or-at-rest"


def mechanical_night_pain(doc: Doc | str) -> bool:
    """The message ties its back pain to a position, a movement or a bed, and
    does not say that nothing eases it."""
    text = _plain(doc)
    return bool(POSITION_CAUSES.search(text)) and not UNRELIEVED.search(text)


# A symptom with an everyday cause the writer gives is no red flag, unless
# something says it is more than that. Each flag's causes, what says it is
# more (``worse``), and what must be said besides (``also``): a numb foot from
# sitting on it comes back once the writer stands; legs weak from a hike are
# tired legs.
@dataclass(frozen=True)
class EverydayCause:
    causes: re.Pattern
    worse: re.Pattern | None = None
    # What must also be said: that a numbness passes, that legs are tired.
    also: re.Pattern | None = None


# A swelling or lump the writer puts down to a bite, a sting, a bruise, a
# tattoo or sunburn, or that a clinician checked and called harmless, unless
# it grows, spreads or comes with a temperature.
BENIGN_SWELLING = re.compile(
    r"\b(?:bite|bitten|bites|sting|stung|bruised?|bruising|tattoo|tattooed|sunburnt?|insect|mosquito|spider|"
    r"wasp|bee|midge|pimple|zit|ingrown)\b"
    r"|\b(?:gp|doctor|dr|doc|physio|nurse|consultant)\b[^.?!]{0,80}?\b(?:harmless|benign|fatty|lipoma|cyst|"
    r"nothing\s+to\s+worry|fine)\b"
)
SWELLING_WORSE = re.compile(
    r"\b(?:grow(?:s|ing|n)?|getting\s+bigger|got\s+bigger|bigger|spread(?:s|ing)?|pus|oozing|fever|feverish|"
    r"temperature|shiver(?:s|y|ing)?|chills|hot\s+to\s+(?:the\s+)?touch|won'?t\s+go\s+down|hasn'?t\s+gone\s+down|"
    r"not\s+going\s+down)\b"
)
SWELLING = "swelling-or-change-in-shape"

# Legs tired, heavy or weak from exercise, or sore muscles named as such.
_EXERTION = re.compile(
    r"\b(?:overd(?:id|one|oing)|over\s?did|overworked)\s+(?:it|them|myself)\b|\bleg\s+day\b|\bdoms\b"
    r"|\b(?:after|from|since)\s+(?:a\s+|an\s+|the\s+|my\s+|me\s+|our\s+|doing\s+|that\s+|this\s+|all\s+(?:the|that)\s+"
    r"|some\s+|too\s+much\s+|so\s+much\s+|lots\s+of\s+|loads\s+of\s+)?(?:[\w'-]+\s+){0,3}?"
    r"(?:hikes?|hiking|jog|jogging|climb|climbing|workouts?|work-outs?|training|gym|class|classes|"
    r"spin|football|footy|soccer|rugby|netball|tennis|squash|basketball|hockey|marathon|parkrun|squats|lunges|"
    r"bootcamp|cycling|bike\s+ride|dancing|crossfit|pilates|zumba|trek|trekking|ramble|rambling|step\s+class|"
    r"stair\s+climb|stairmaster|match|game|shift\s+on\s+my\s+feet|walk|walks|walking|walked|hills?|uphill)\b"
    r"|\b(?:after|from)\s+(?:a|my|me|the|our|this\s+morning's|yesterday's)\s+(?:long\s+|big\s+|hard\s+)?run\b"
    r"|\b(?:did|done|doing)\s+(?:a|an|the|my|me|our|some)\s+(?:[\w'-]+\s+){0,3}?(?:hike|walk|run|marathon|"
    r"half|trek|climb|workout|class|session|ride)\b"
    r"|\b(?:tight|tired|achy|aching|sore|stiff|burning)\s+(?:hamstrings?|calves|calf|quads?|glutes|muscles)\b"
    r"|\b(?:hamstrings?|calves|calf|quads?|glutes|thigh\s+muscles|leg\s+muscles)(?:\s+(?:are|were|feel|feeling|felt|is|"
    r"was|just|a\s+bit|really|so|pretty|bit|as\s+anything))*\s+(?:tight|tired|achy|sore|stiff|heavy|knackered|burning)\b"
)
_TIRED = re.compile(
    r"\b(?:tired|heavy|jelly|jelly-like|wobbly|achy|aching|sore|stiff|tight|knackered|shattered|dead|burning|"
    r"exhausted|spent|cooked|shot)\b"
)
# Numb from a position, a seat, a tight shoe or garment (with ``_PASSES``).
_PRESSURE = re.compile(
    r"\b(?:sat|sitting|sit|knelt|kneeling|kneel|squatting|crouching|slept|sleeping|lying|lay|laying)\s+"
    r"(?:on\s+(?:it|them|my|me|the|a)\b|cross-?\s?legged|awkward\w*|funny|wrong|too\s+long|for\s+(?:ages|hours|a\s+while|"
    r"too\s+long|a\s+long\s+time))"
    r"|\bcross-?\s?legged\b|\bcrossed\s+my\s+legs\b"
    r"|\b(?:long|hours?\s+long|all[-\s]day|all[-\s]night)\s+(?:drive|flight|car\s+(?:trip|journey|ride)|journey|bus\s+ride|"
    r"train\s+ride|coach\s+trip|meeting|sit|shift)\b"
    r"|\b(?:hard|wooden|plastic|metal|uncomfortable|church|bar|camping|folding|concrete|stone)\s+"
    r"(?:chairs?|pews?|seats?|benches|bench|bleachers?|stools?|floor|saddle)\b|\bpews?\b|\bbleachers?\b"
    r"|\b(?:bike|bicycle|cycle|spin|exercise\s+bike)\s+(?:seat|saddle)\b"
    r"|\btight\s+(?:boots|shoes|trainers|sneakers|jeans|pants|trousers|belt|waistband|leggings|socks|strap|laces)\b"
    r"|\b(?:boots|shoes|trainers|sneakers|jeans|pants|trousers|belt|leggings|laces)\s+(?:are|were|is|was)"
    r"(?:\s+(?:a\s+bit|too|really|so|way))*\s+(?:tight|small)\b|\bwallet\b|\bphone\s+(?:sits|in\s+my)\b"
)
_PASSES = re.compile(
    r"(?<!n't\s)(?<!not\s)(?<!never\s)\b(?:goes|go|went|going|wears|wore|wearing|worn)\s+(?:away|off)\b"
    r"|\bfine\s+(?:again\s+)?(?:once|when|after|as\s+soon)\b"
    r"|\b(?:comes?|came|coming)\s+back\s+(?:once|when|after|as\s+soon|now|within|in\s+a)\b|\bback\s+to\s+normal\b"
    r"|\b(?:once|when|as\s+soon\s+as|after)\s+i(?:'m|\s+am)?\s+(?:get\s+up|got\s+up|up|stand|stood|move|moved|moving|"
    r"take|took|shift|shifted|change|changed|walk|walked|stretch|stretched|loosen|loosened|get\s+off|got\s+off)\b"
    r"|\bafter\s+a\s+(?:minute|few\s+minutes|couple\s+of\s+minutes|min|sec|second|while|bit)\b"
    r"|\b(?:passes|passed|settles|settled)\s+(?:once|when|after|in)\b|\bup\s+and\s+(?:about|moving)\b"
    r"|\b(?:they|it|foot|feet|legs?|bum|backside)\s+(?:woke|wake|wakes|waking)\s+(?:back\s+)?up\b"
)
_LEGS_WORSE = re.compile(
    r"\b(?:gave|give|gives|giving)\s+way\b|\bbuckl\w+|\bcollaps\w+|\bfell\s+over\b|\bfoot\s+drop\b|\bdrop\s+foot\b"
    r"|\b(?:can'?t|cannot|couldn'?t|unable\s+to)\s+(?:lift|feel|walk|stand|move|bear)\b|\bdrag\w*|\bflopp\w+|\bslapp\w+"
    r"|\btrip(?:s|ped|ping)?\b|\bspreading\b|\bcreeping\b|\bgetting\s+worse\b|\bworse\s+and\s+worse\b"
    r"|\bstill\s+(?:numb|dead|weak|tingling)\b|\bstopped\s+working\b|\bnot\s+mine\b|\beven\s+when\b"
    r"|\b(?:not|n't|never)\s+(?:going|go|gone|wearing|worn|coming|come)\s+(?:away|off|back)\b"
    # Legs that tire after a few minutes' walk, until the writer sits down:
    # not tiredness from exercise.
    r"|\b(?:have|had|has|need|needs)\s+to\s+(?:sit|stop|rest)\b|\bcan\s+only\s+walk\b|\bafter\s+(?:a\s+few|\d+|a\s+couple\s+of|"
    r"two|three|five|ten|a\s+hundred)\s+(?:minutes|mins|yards|metres|meters|steps)\b"
    r"|\b(?:won'?t|doesn'?t|didn'?t|hasn'?t|has\s+not|never)\s+"
    r"(?:go|gone|wear|worn|come|pass|passed)\b|\bshooting\b|\bsciatica\b|\belectric\w*|\bradiat\w+"
)
# Hot nights: the weather, the bedding, the heating, hot flushes.
_HEAT = re.compile(
    r"\bheat\s?wave\b|\bhot\s+(?:weather|nights?|room|bedroom|flat|house|summer|spell|climate|water\s+bottle)\b"
    r"|\bhumid\w*|\bmuggy\b|\bsweltering\b|\bscorching\b|\btoo\s+(?:hot|warm)\b|\bsummer\b"
    r"|\b(?:duvet|doona|quilt|comforter|electric\s+blanket|heated\s+blanket|flannel(?:ette)?\s+sheets|tog)\b"
    r"|\bheating\b|\bradiators?\b|\bair\s?con\w*|\b(?:fan|ac|a/c)\s+(?:broke|is\s+broken|died|packed\s+up|"
    r"stopped|isn'?t\s+working|not\s+working)\b"
    r"|\b(?:hot|heat)\s+(?:flush|flushes|flash|flashes)\b|\b(?:peri)?menopaus\w*"
    r"|\bafter\s+(?:a\s+few\s+|some\s+|too\s+many\s+)?(?:drinks|beers|pints|wine|curry|spicy\s+food)\b|\bhung\s?over\b"
)
_HEAT_WORSE = re.compile(
    r"\b(?:heating|radiators?)(?:'s|\s+is|\s+was|\s+has\s+been)?\s+(?:off|turned\s+off)\b"
    r"|\b(?:light|thin|summer|cool)\s+(?:duvet|doona|quilt|sheet|blanket)\b|\bnot\s+(?:warm|hot)\b|\bbone\s+dry\b"
    r"|\b(?:change|changing)\s+(?:my|the)\s+(?:t-shirt|shirt|sheets?|pyjamas|pjs)\b|\b(?:air\s?con\w*|fan|window)\s+(?:on|open|running|going|blasting)\b"
    r"|\b(?:years|long)\s+(?:ago|behind)\b|\bover\s+\w+\s+years\b|\bno\s+idea\s+why\b|\bconfus\w+"
    r"|\b(?:even\s+(?:though|when|with|in|if)|despite)\b[^.?!]{0,40}\b(?:cold|cool|window|fan|thin|sheet|winter|freezing)\b"
)
# Cold and shivery after being out in the cold, with no temperature told.
_COLD = re.compile(
    r"\bforgot\s+(?:my|me)\s+(?:coat|jacket|jumper|hoodie|scarf|gloves)\b|\bwithout\s+(?:a|my|me)\s+(?:coat|jacket|jumper)\b"
    r"|\bno\s+(?:coat|jacket|jumper)\b|\bin\s+the\s+(?:cold|snow|rain|wind|freezing)\b"
    r"|\b(?:cold|freezing|icy|wet|frosty|snowy|chilly|bitter|windy)\s+(?:weather|day|morning|evening|night|wind|out|"
    r"outside|walk|office|house|room|flat)\b|\bsnow\b|\b(?:ice|cold)\s+(?:bath|plunge|shower|swim|water)\b"
    r"|\bcaught\s+in\s+the\s+rain\b|\bwinter\s+swim\w*"
)
_FEVER_TOLD = re.compile(
    r"(?<!no\s)(?<!not\s)\b(?:fever|feverish|temperature|temp)\s+(?:of|is|was|at|hit|reading|went|keeps)\b"
    r"|\b(?:3[89]|4[01])(?:\.\d)?\s?(?:°|degrees|c\b|deg)|\b10[0-4](?:\.\d)?\s?(?:°|degrees|f\b)"
    r"|\bburning\s+up\b|\brigou?rs?\b|\b(?:can'?t|won'?t)\s+stop\s+(?:shivering|shaking)\b|\bsweat\w*"
)
# A leak from laughing, or going more often after coffee or beer.
_ORDINARY_BLADDER = re.compile(
    r"\blaugh(?:ed|ing)?\s+(?:so\s+hard|that\s+hard|till|until|too\s+much)\b"
    r"|\b(?:nearly|almost)\s+(?:wet|peed|pissed|wee'?d|weed)\s+(?:myself|me|my)\b[^.?!]{0,30}\blaugh"
    r"|\blaugh\w*[^.?!]{0,40}\b(?:nearly|almost)\s+(?:wet|peed|pissed|weed|lost\s+control)\b"
    r"|\b(?:coffees?|espressos?|cuppas?|cups\s+of\s+tea|beers?|pints|energy\s+drinks?|water\s+tablets|diuretics?)\b"
    r"|\bdrinking\s+(?:a\s+lot|loads|lots|more|heaps|plenty)\b|\bdrank\s+(?:a\s+lot|loads|lots|heaps|litres)\b"
)
_BLADDER_WORSE = re.compile(
    r"\b(?:can'?t|cannot|couldn'?t|unable\s+to)\s+(?:feel|go|pee|wee|pass|empty|control|hold|stop|tell)\b"
    r"|\bnothing\s+(?:comes|came)\s+out\b|\bno\s+(?:feeling|sensation|warning|urge)\b|\bdribbl\w*|\bnumb\w*"
    r"|\bwithout\s+(?:knowing|noticing|feeling|warning)\b|\bdidn'?t\s+(?:feel|notice|know|realise|realize)\b"
    r"|\bpoo\w*|\bbowels?\b|\bfa?ec\w*"
)
# A small fall: a slip onto something soft, the pride hurt more than the back.
_SMALL_FALL = re.compile(
    r"\bmore\s+embarrass\w*\s+than\b|\b(?:only|just)\s+(?:hurt|bruised|dented|wounded)\s+my\s+(?:pride|ego)\b"
    r"|\bno\s+real\s+(?:force|impact|height)\b|\b(?:little|minor|small|tiny|slight|gentle|soft)\s+"
    r"(?:slip|trip|stumble|tumble|fall|bump)\b|\b(?:landed|fell)\s+(?:softly|gently)\b"
    r"|\bonto\s+(?:the|my|a)\s+(?:bed|sofa|couch|grass|lawn|mat|cushion|carpet|beanbag)\b"
    r"|\b(?:never|didn'?t|did\s+not)\s+(?:actually\s+)?(?:hit|touch(?:ed)?)\s+the\s+(?:ground|floor)\b"
    r"|\bcaught\s+(?:myself|the\s+(?:rail|railing|banister|bannister|handrail))\b|\bwasn'?t\s+much\b"
)
_FALL_WORSE = re.compile(
    r"\b(?:ladder|roof|height|stairs|flight|ambulance|a&e|hospital|head|knocked\s+out|unconscious|car|motorbike|"
    r"crash\w*|collision|hard|heavily|concrete|metres|meters|can'?t\s+(?:walk|stand|move))\b"
    r"|\b(?:osteopo\w+|\w*steroid\w*|brittle|frail|bone\s+density|thin\s+bones)"
)

EVERYDAY_CAUSES: dict[str, tuple[EverydayCause, ...]] = {
    SWELLING: (EverydayCause(BENIGN_SWELLING, SWELLING_WORSE),),
    "weakness-or-numbness-in-the-legs": (
        EverydayCause(_EXERTION, _LEGS_WORSE, also=_TIRED),
        EverydayCause(_PRESSURE, _LEGS_WORSE, also=_PASSES),
    ),
    "pain-in-both-legs": (EverydayCause(_EXERTION, _LEGS_WORSE, also=_TIRED),),
    "saddle-numbness": (EverydayCause(_PRESSURE, _LEGS_WORSE, also=_PASSES),),
    "night-sweats": (EverydayCause(_HEAT, _HEAT_WORSE),),
    "fever": (EverydayCause(_COLD, _FEVER_TOLD),),
    "bladder-or-bowel-problems": (EverydayCause(_ORDINARY_BLADDER, _BLADDER_WORSE),),
    "serious-fall-or-accident": (EverydayCause(_SMALL_FALL, _FALL_WORSE),),
}


# "It's not a bite", "probably a pimple, yeah?": a cause denied or guessed at.
_CAUSE_DOUBTED = re.compile(
    r"(?:\bnot|n't|\bno|\bnever|\bwithout|\bprobably|\bmaybe|\bperhaps|\bmight\s+be|\bcould\s+be|\breckon|\bhope|"
    r"\bthink|\bguess|\bsurely|\bunless)\b[^.?!]{0,20}$"
)


def everyday_cause(doc: Doc | str, flag: str) -> bool:
    """The writer gives an everyday cause for the symptom of ``flag`` (a numb
    foot from sitting on it, tired legs from a hike, sweats in a heatwave,
    a lump where a wasp stung, night pain on a saggy bed), and nothing says
    it is more than that. Not when the cause is denied, guessed at or asked
    about."""
    if flag == NIGHT_PAIN:
        return mechanical_night_pain(doc)
    text = _plain(doc)
    for cause in EVERYDAY_CAUSES.get(flag, ()):
        if cause.worse is not None and cause.worse.search(text):
            continue
        if cause.also is not None and not cause.also.search(text):
            continue
        for match in cause.causes.finditer(text):
            sentence_end = re.search(r"[.?!]|$", text[match.end() :])
            asked = sentence_end is not None and sentence_end.group() == "?"
            if not asked and not _CAUSE_DOUBTED.search(text[: match.start()]):
                return True
    return False


def explained_flags(doc: Doc | str) -> frozenset[str]:
    """The flags whose symptom the message gives an everyday cause for."""
    return frozenset(flag for flag in (*EVERYDAY_CAUSES, NIGHT_PAIN) if everyday_cause(doc, flag))


def one_leg_only(doc: Doc) -> bool:
    """The writer says the pain is in one leg only."""
    return bool(ONE_LEG_FORMS.search(doc.text.lower()))
