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

import re
from dataclasses import dataclass

from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from understanding.patterns import ANY, OPT, copy_patterns
from understanding.patterns import lemmas as _lemmas
from understanding.patterns import lower as _lower

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
# Words after a negation that make it uncertainty, not denial.
UNCERTAIN_AFTER = {"sure", "know", "think", "idea", "certain", "tell", "remember", "longer", "anymore"}
# Words after a negation that make the negation part of the symptom
# ("no feeling", "not able to pee", "no control").
SYMPTOM_AFTER = {"able", "feeling", "sensation", "control", "urge", "strength"}
SENTENCE_BREAKS = {".", "!", "?", ";", "\n"}
CLAUSE_BREAKS = SENTENCE_BREAKS | {"but", "however", "although", "though", "except"}
# Words that start a new clause after a comma, ending a negation's reach.
CLAUSE_STARTERS = {"i", "i'm", "im", "i've", "ive", "i'd", "my", "it", "it's", "its", "but", "and", "now", "then",
                   "so", "he", "she", "they", "we", "though", "yet", "which", "this", "that", "there", "since"}
# A negation that is a whole answer ("No, ..."), reaching nothing after its comma.
ANSWER_WORDS = {"no", "nope", "nah", "not", "never", "nothing", "none"}
HYPOTHETICAL_FORMS = (
    re.compile(r"\bif\b[^.?!]*\bever\b"),
    re.compile(r"\bwhat (should|would|do|does) (i|you|we|one|someone|they) do if\b"),
    re.compile(r"\bif (i|you|someone) (did|were|was|had|got)\b[^.?!]*\?"),
)
CONDITION_QUESTIONS = (
    re.compile(r"\bwhat (does|do|is|are|would)\b[^.?!]*\b(mean|means|feel like|feels like|look like)\b"),
    re.compile(r"\b(can|could|does|do|will|would|might)\b[^.?!]*\b(cause|causes|lead to|be a sign of|be caused by)\b"
               r"[^.?!]*\?"),
    re.compile(r"\bis\b[^.?!]*\bthe same (thing )?as\b"),
    re.compile(r"\bwhy (do|does|would|is|are)\b[^.?!]*\b(doctors?|gps?|surgeons?|physios?|nurses?)\b"),
)
HYPOTHETICAL_CUES = (" what if ", " if i ever ", " if ever ", " suppose ", " supposing ", " imagine ",
                     " hypothetically ", " in future ", " in the future ", " if i were to ", " say i ",
                     " if someone ", " if a person ", " what would happen if ", " would it be ", " in case ")
PAIR_WINDOW = 10
FIRST_PERSON = {"i", "me", "my", "mine", "myself", "i'm", "im", "i've", "ive", "i'd", "id", "we", "our", "us"}
GENERAL_TOPIC = {"red-flag", "warning-sign", "cauda-equina"}


CANT = [_lower("ca", "can", "could", "cud", "wo"), _lower("n't", "not", "nt")]
CANT_ALT = [_lower("cannot", "cant", "couldnt", "cudnt", "cnt")]
MY = {"LOWER": {"IN": ["my", "the", "his", "her", "their", "your", "both"]}, "OP": "?"}

NUMB_WORDS = ("numb", "numbness", "tingle", "tingling", "tingly", "dead", "deadness", "nummness", "numbe",
              "nuumb", "numbed")
WEAK_WORDS = ("weak", "weakness", "weaker", "floppy", "jelly", "wobbly", "buckle", "buckling", "paralysed",
              "paralyzed", "collapse", "collapsing")
SADDLE_WORDS = ("saddle", "groin", "genital", "genitals", "genitalia", "privates", "bum", "buttock", "buttocks",
                "butt", "backside", "bottom", "anus", "perineum", "crotch", "vagina", "penis", "testicle",
                "testicles", "scrotum", "arse", "ass", "bumcheek", "cheeks", "vulva", "taint", "nether",
                "undercarriage", "wipe", "wiped", "wiping")

# Single phrases: (flag, patterns).
PHRASES: dict[str, list[list[dict]]] = {
    "saddle-numbness": [
        [_lower("saddle"), _lemmas("numbness", "anaesthesia", "anesthesia", "area", "region")],
    ],
    "bladder-or-bowel-problems": [
        [_lemmas("wet", "pee", "piss", "wee", "soil", "poo", "poop", "mess", "urinate", "leak", "shit"), _lower("myself", "himself", "herself", "themselves", "yourself", "meself", "myslef", "mysef")],
        [_lower("peed", "pooed", "pooped", "weed", "wetted", "soiled", "pissed", "shat", "wet", "messed"), _lower("myself", "himself", "herself", "themselves", "meself", "myslef", "mysef")],
        [_lemmas("wet", "soil"), _lower("the", "my", "his", "her"), _lower("bed", "pants", "trousers", "knickers", "underwear")],
        [*CANT, _lemmas("pee", "wee", "urinate", "piss", "poo", "poop")],
        [*CANT_ALT, _lemmas("pee", "wee", "urinate", "piss", "poo", "poop")],
        [*CANT, _lemmas("control", "hold", "empty", "feel"), MY, _lemmas("bladder", "bowel", "bowels", "pee", "wee", "poo", "urine")],
        [*CANT_ALT, _lemmas("control", "hold", "empty", "feel"), MY, _lemmas("bladder", "bowel", "bowels", "pee", "wee", "poo", "urine")],
        [_lemmas("trouble", "difficulty", "problem", "issue", "struggle", "struggling", "hard", "unable"), ANY, ANY, _lemmas("pee", "peeing", "wee", "weeing", "urinate", "urinating", "urine")],
        [_lemmas("pass", "passing"), _lemmas("urine", "water")],
        [_lemmas("lose", "lost", "lack", "loss", "no", "losing"), _lower("of")  | OPT, _lower("control", "controll", "contol", "feeling", "sensation"), _lower("of", "over", "in"), MY, _lower("bladder", "bowel", "bowels", "bowls", "pee", "wee", "poo", "toilet")],
        [_lemmas("bladder", "bowel", "bowels"), ANY, ANY, _lemmas("control", "leak", "leaking", "accident", "problem", "issue", "numb", "go", "gone", "fail", "trouble", "weird", "empty", "stop", "feel")],
        [*CANT, _lemmas("tell", "feel", "sense", "know"), _lower("when", "if"), ANY, ANY, ANY, _lemmas("pee", "wee", "poo", "urinate")],
        [*CANT_ALT, _lemmas("tell", "feel", "sense", "know"), _lower("when", "if"), ANY, ANY, ANY, _lemmas("pee", "wee", "poo", "urinate")],
        [*CANT, _lemmas("empty"), _lower("it", "my", "the")],
        [*CANT_ALT, _lemmas("empty"), _lower("it", "my", "the")],
        [_lemmas("incontinent", "incontinence", "retention", "dribble", "dribbling")],
        [_lemmas("leak", "leaking"), _lemmas("urine", "pee", "wee", "poo")],
        [_lemmas("accident"), _lower("in"), MY, _lemmas("pant", "pants", "trousers", "bed", "underwear")],
        [_lower("have", "had", "having"), _lower("n't", "not"), _lemmas("pee", "wee", "urinate")],
        [_lower("n't", "not", "never"), _lower("been")  | OPT, _lower("able"), _lower("to"), _lemmas("pee", "wee", "urinate", "poo", "empty")],
        [_lower("unable"), _lower("to"), _lemmas("pee", "wee", "urinate", "poo", "empty")],
        [_lower("havent", "haven't", "hasnt"), _lemmas("pee", "wee", "urinate")],
        [_lemmas("pee", "wee", "urine"), _lower("wo", "will"), _lower("n't", "not"), _lower("come", "start", "flow")],
        [_lemmas("feel"), _lower("when"), _lower("i"), _lower("need"), _lower("to"), _lemmas("pee", "wee", "go", "poo")],
        [_lemmas("no"), _lower("urge", "sensation", "feeling"), _lower("to"), _lemmas("pee", "wee", "go", "poo")],
    ],
    "weakness-or-numbness-in-the-legs": [
        [_lower("foot", "feet"), ANY, ANY, _lemmas("drop", "drag", "dragging", "slap", "slapping", "flop", "floppy")],
        [_lower("drop"), _lower("foot")],
        [_lemmas("drag", "dragging"), MY, _lower("foot", "feet", "leg", "legs", "toes")],
        [_lower("legs", "leg", "knees"), _lemmas("give", "giving", "gave", "keep"), ANY, _lower("way", "out", "in", "giving")],
        [_lower("legs", "leg"), _lower("keep", "kept")  | OPT, _lemmas("buckle", "collapse", "collapsing", "fail", "failing")],
        [_lemmas("weaker"), _lower("and"), _lemmas("weaker")],
        [_lower("leg", "legs", "foot"), ANY, _lemmas("get", "getting", "go", "grow", "growing"), _lemmas("weak", "weaker", "numb", "floppy")],
        [*CANT, _lemmas("lift", "move", "raise", "feel", "control"), MY, _lower("foot", "feet", "legs", "toes", "leg")],
        [*CANT_ALT, _lemmas("lift", "move", "raise", "feel", "control"), MY, _lower("foot", "feet", "legs", "toes", "leg")],
        [_lower("lost"), _lower("the")  | OPT, _lower("use", "feeling", "strength", "control"), _lower("of", "in"), MY, _lower("legs", "feet", "leg")],
        [_lemmas("trip", "tripping", "stumble", "stumbling"), _lower("over"), MY, _lower("foot", "feet", "toes", "own")],
    ],
    "sexual-problems": [
        [_lemmas("erectile"), _lemmas("dysfunction", "problem", "issue")],
        [_lemmas("sexual"), _lemmas("dysfunction", "problem", "issue", "function", "numbness")],
        [*CANT, _lemmas("get", "keep", "maintain"), _lower("an", "a")  | OPT, _lemmas("erection", "hard", "hard-on")],
        [*CANT_ALT, _lemmas("get", "keep", "maintain"), _lower("an", "a")  | OPT, _lemmas("erection", "hard", "hard-on")],
        [*CANT, _lemmas("get"), _lower("it"), _lower("up")],
        [_lemmas("impotent", "impotence")],
        [_lemmas("erection", "erections", "orgasm", "climax", "ejaculate", "ejaculation"), ANY, _lemmas("problem", "issue", "stop", "gone", "trouble", "difficult", "difficulty")],
        [_lemmas("feel", "feeling", "sensation"), ANY, ANY, _lower("during", "in", "when", "having"), _lemmas("sex", "intercourse")],
        [_lemmas("numb", "numbness"), ANY, ANY, _lemmas("sex", "intercourse")],
        [_lemmas("sex"), ANY, _lemmas("numb", "different", "problem", "weird")],
        [*CANT, _lemmas("orgasm", "climax", "ejaculate")],
    ],
    "serious-fall-or-accident": [
        [_lemmas("fall", "fell", "fallen", "tumble", "slip", "slipped"), _lower("off", "from", "down", "over", "out", "on", "onto", "backwards", "backward")],
        [_lower("bad", "serious", "big", "nasty", "heavy", "hard", "major", "awful"), _lemmas("fall", "tumble", "crash", "accident", "landing")],
        [_lower("car", "road", "motorbike", "motorcycle", "bike", "cycling", "traffic", "work", "rta", "skiing", "riding", "rugby", "football", "horse"), _lemmas("accident", "crash", "collision", "smash", "fall")],
        [_lemmas("hit", "knock", "knocked", "run"), _lower("down", "over")  | OPT, _lower("by", "down", "over"), _lower("a", "an")  | OPT, _lower("car", "van", "bus", "lorry", "truck", "bike", "cyclist", "vehicle", "motorbike")],
        [_lemmas("crash", "crashed", "collision", "whiplash", "tackle", "tackled")],
        [_lemmas("come", "came"), _lower("off"), MY, _lower("bike", "horse", "motorbike", "ladder", "scooter")],
        [_lemmas("land", "landed"), _lower("on"), MY, _lower("back", "bum", "tailbone", "coccyx", "spine")],
        [_lemmas("fall", "fell", "fallen")],
        [_lemmas("accident")],
    ],
    "fever": [
        [_lemmas("fever", "feverish", "fevers", "shivery", "rigor", "rigors", "shivering", "feverishness")],
        [_lower("feverr", "fevre", "fver", "feaver", "fevor", "fevar", "temprature", "temperture")],
        [_lower("chills", "shivers")],
        [_lower("high", "a", "raised", "running", "got"), _lemmas("temperature", "temp")],
        [_lemmas("temperature"), _lower("of", "is", "was")  | OPT, {"LIKE_NUM": True}],
        [_lower("burning"), _lower("up")],
        [_lower("hot"), _lower("and"), _lower("cold", "shivery", "sweaty")],
    ],
    "history-of-cancer": [
        [_lemmas("cancer", "cancers", "tumour", "tumor", "tumours", "tumors", "chemo", "chemotherapy", "radiotherapy",
                 "malignancy", "malignant", "metastasis", "metastases", "metastatic", "leukaemia", "leukemia",
                 "lymphoma", "myeloma", "oncologist", "oncology", "carcinoma", "melanoma", "sarcoma", "mets")],
    ],
    "pain-at-night-or-at-rest": [
        [_lower("even"), _lower("when", "while", "if", "at", "after")  | OPT, ANY, ANY, _lemmas("lie", "lying", "rest", "resting", "laying", "lay")],
        [_lemmas("lie", "lying", "laying", "lay", "rest", "resting"), _lower("down", "flat", "still")  | OPT, _lower("does", "do", "did", "wo", "will", "ca", "can")  | OPT, _lower("n't", "not", "nt", "doesnt", "dont", "wont", "cant"), ANY, _lemmas("help", "ease", "relieve", "stop", "improve", "better", "change", "work")],
        [_lemmas("lie", "lying", "laying", "lay"), _lower("down")  | OPT, _lemmas("make", "makes"), _lower("it"), _lemmas("bad", "worse")],
        [_lower("worse"), _lower("when", "while", "if")  | OPT, _lower("i")  | OPT, _lemmas("lie", "lying", "laying", "rest", "resting")],
        [_lower("night"), _lemmas("pain", "ache", "aching")],
        [_lemmas("wake", "woke", "waking"), ANY, _lower("up", "awake")  | OPT, _lower("at", "in", "during", "every", "all")  | OPT, _lower("the")  | OPT, _lower("night", "nights")],
    ],
    "night-sweats": [
        [_lower("night"), _lemmas("sweat", "sweats", "sweating")],
        [_lemmas("drench", "drenched", "soak", "soaked", "soaking", "pour", "pouring", "dripping", "drip"), _lower("in", "with", "wet")  | OPT, _lemmas("sweat")],
        [_lemmas("wake", "woke", "waking"), _lower("up")  | OPT, _lemmas("sweat", "sweaty", "soak", "soaked", "drench", "drenched", "wet", "sweating")],
    ],
    "swelling-or-change-in-shape": [
        [_lemmas("change", "changed", "changing"), _lower("in", "of")  | OPT, _lower("the")  | OPT, _lemmas("shape")],
        [_lemmas("shape"), _lower("of"), MY, _lower("back", "spine")],
        [_lower("back", "spine"), _lemmas("look", "looks", "looking", "seem", "is", "has"), ANY, _lemmas("different", "deformed", "bent", "crooked", "misshapen", "lumpy", "wonky", "curved", "swollen", "change")],
        [_lemmas("deformity", "deformed", "misshapen", "hump", "hunchback")],
    ],
}

# Pair rules: a term from the first set and one from the second in one sentence,
# at most PAIR_WINDOW tokens apart.
PAIRS: dict[str, list[tuple[list[list[dict]], list[list[dict]]]]] = {}
_NUMB = [[_lemmas(*NUMB_WORDS)], [*CANT, _lemmas("feel")], [*CANT_ALT, _lemmas("feel")],
         [_lower("no"), _lower("longer"), _lemmas("feel")], [_lower("lost"), _lower("all")  | OPT, _lower("feeling", "sensation", "sensations")],
         [_lower("no"), _lower("feeling", "sensation")], [_lemmas("lose", "lost", "losing"), ANY, _lower("feeling", "sensation", "sensations")],
         [_lower("pins"), _lower("and", "&", "n"), _lower("needles")], [_lemmas("fall", "fell", "gone"), _lower("asleep")]]
_SADDLE = [[_lemmas(*SADDLE_WORDS)], [_lower("between"), MY, _lower("legs")], [_lower("private"), _lemmas("part", "area")],
           [_lower("down"), _lower("there", "below")], [_lower("inner"), _lemmas("thigh")]]
_BOTH_LEGS = [[_lower("legs", "feet", "thighs", "knees")], [_lower("both"), _lower("leg", "legs", "feet", "sides", "foot")],
              [_lower("lower"), _lower("body", "half")], [_lower("waist"), _lower("down")]]
_WEAK = [[_lemmas(*WEAK_WORDS)], [*CANT, _lemmas("move", "stand", "lift")], [*CANT_ALT, _lemmas("move", "stand", "lift")]]
_WEIGHT_LOSS = [[_lemmas("lose", "lost", "losing", "drop", "dropped", "dropping", "shed"), ANY, ANY, _lemmas("weight", "pound", "kilo", "kg", "stone", "lb", "lbs", "kilos", "pounds")],
                [_lemmas("weight"), _lemmas("loss", "drop", "fall", "dropping", "falling")],
                [_lemmas("weight"), _lower("is", "has", "keeps")  | OPT, _lemmas("drop", "dropping", "fall", "falling", "melt", "melting", "come", "coming"), _lower("off")  | OPT]]
_UNEXPLAINED = [[_lemmas("unexplained", "unintentional", "unintended", "unexpected", "mysterious", "mysteriously", "unexplainable", "strange", "weird", "sudden", "suddenly", "rapid", "rapidly")],
                [_lower("without"), ANY, _lemmas("try", "trying", "diet", "dieting", "reason", "meaning", "change")],
                [_lower("no"), _lemmas("reason", "idea", "explanation")], [_lower("for"), _lower("no")],
                [_lower("not"), _lemmas("try", "trying", "diet", "dieting")], [_lower("n't"), _lemmas("try", "trying", "know", "diet")],
                [_lower("been"), _lemmas("lose", "losing", "drop")], [_lower("keep"), _lemmas("lose", "losing")]]
_NIGHT = [[_lower("night", "nights", "nighttime", "night-time", "overnight", "nite")], [_lower("in"), _lower("bed")],
          [_lower("at"), _lower("rest")]]
_PAIN_WORSE = [[_lemmas("pain", "painful", "hurt", "hurts", "ache", "aching", "worse", "bad", "agony", "throb", "throbbing", "wake", "woke", "awake", "unbearable", "excruciating", "sore")]]
_SWELL = [[_lemmas("swelling", "swell", "swollen", "lump", "bump", "bulge", "bulging", "mass", "growth", "lumpy")]]
_BACK = [[_lower("back", "spine", "spinal", "vertebra", "vertebrae", "lumbar", "tailbone", "coccyx")]]
_SWEAT = [[_lemmas("sweat", "sweating", "sweats", "sweaty", "perspire", "perspiring", "perspiration")]]

PAIRS["saddle-numbness"] = [(_NUMB, _SADDLE)]
PAIRS["weakness-or-numbness-in-the-legs"] = [(_NUMB, _BOTH_LEGS), (_WEAK, _BOTH_LEGS)]
PAIRS["unexplained-weight-loss"] = [(_WEIGHT_LOSS, _UNEXPLAINED)]
PAIRS["pain-at-night-or-at-rest"] = [(_NIGHT, _PAIN_WORSE)]
PAIRS["night-sweats"] = [(_SWEAT, _NIGHT)]
PAIRS["swelling-or-change-in-shape"] = [(_SWELL, _BACK)]

# Phrases that look like a flag word but are not one.
EXCLUSIONS = [
    [_lemmas("wet", "pee", "piss", "wee"), _lower("myself", "himself", "herself"), _lower("laughing", "laugh")],
    [_lower("hay", "cabin", "scarlet", "glandular", "yellow", "dengue"), _lemmas("fever")],
    [_lemmas("fall", "fell", "fallen", "falling"), _lower("asleep", "apart", "behind", "ill", "sick", "pregnant", "in", "for")],
    [_lower("fall", "autumn"), _lower("season")],
    [_lower("in"), _lower("the"), _lower("fall")],
    [_lower("by"), _lemmas("accident")],
    [_lemmas("accident"), _lower("prone")],
    [_lower("weight"), _lower("management")],
    [_lower("dead"), _lower("tired", "good", "easy", "set", "end", "line", "lift", "lifts", "bug", "bugs")],
    [_lower("at"), _lower("rest"), _lower("day", "days", "between")],
]

GENERAL_QUESTION = [
    [_lower("red"), _lemmas("flag", "flags")],
    [_lemmas("warning"), _lemmas("sign", "signs", "symptom")],
    [_lower("cauda"), _lower("equina")],
    [_lemmas("serious", "dangerous", "worrying", "emergency"), _lemmas("symptom", "sign")],
    [_lower("what"), _lower("counts", "count"), _lower("as")],
    [_lower("what"), _lower("is", "are", "'s"), _lower("a", "an")  | OPT, _lower("serious", "bad")],
]


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
            mentions.append(Mention(flag, start, end, doc[start:end].text, _negated(doc, start, clauses), rule))

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
                        if sentences[ls] != sentences[rs] or abs(ls - rs) > PAIR_WINDOW or (ls, le) == (rs, re_):
                            continue
                        first = min(ls, rs)
                        span = doc[first : max(le, re_)]
                        negated = _negated(doc, ls, clauses) or _negated(doc, first, clauses)
                        mentions.append(Mention(flag, span.start, span.end, span.text, negated, f"{flag}|pair{index}"))

        positive = [m for m in mentions if not m.negated]
        general = (bool(self.general(doc)) or asks_about_a_condition(doc)) and not _first_person(doc)
        what_if = hypothetical(doc)
        if general or not positive:
            return Finding(None, None, None, tuple(mentions), general_question=general, hypothetical=what_if)
        best = min(positive, key=lambda m: (FLAG_TIERS[m.flag] != EMERGENCY, m.start))
        return Finding(FLAG_TIERS[best.flag], best.flag, best.text, tuple(mentions), hypothetical=what_if)

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
    """
    for i in range(start - 1, -1, -1):
        if clauses[i] != clauses[start]:
            return False
        token = doc[i]
        if token.lower_ == "," and _new_clause_after(doc, i):
            return False
        if token.lower_ in NEGATIONS or token.lemma_.lower() in {"deny", "free"}:
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


def hypothetical(doc: Doc) -> bool:
    """A what-if question ("what if my legs ever went numb?")."""
    text = " " + " ".join(t.lower_ for t in doc) + " "
    return any(cue in text for cue in HYPOTHETICAL_CUES) or any(p.search(text) for p in HYPOTHETICAL_FORMS)


def asks_about_a_condition(doc: Doc) -> bool:
    """A question about what a symptom means or causes ("what does foot drop mean?",
    "can a slipped disc cause bladder problems?")."""
    text = " " + doc.text.lower() + " "
    return any(p.search(text) for p in CONDITION_QUESTIONS)


def _first_person(doc: Doc) -> bool:
    return any(token.lower_ in FIRST_PERSON for token in doc)

