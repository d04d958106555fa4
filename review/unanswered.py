"""User messages the bot could not answer (not covered, not understood, or
followed by a thumbs-down), grouped by similarity: TF-IDF over character
n-grams, cosine similarity, each message joining the first group whose leader
is similar enough."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import or_, select
from sqlalchemy.engine import Engine

from review.conversations import day_start
from review.dashboard import Period
from review.tables import feedback, messages

SIMILARITY = 0.45
MAX_DISTINCT = 3000
NOT_COVERED = "not covered"
FALLBACK = "not understood"
THUMBS_DOWN = "thumbs down"


@dataclass(frozen=True)
class Question:
    event_id: int
    text: str
    reason: str


@dataclass
class Group:
    id: int
    leader: str
    questions: list[Question] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.questions)

    def distinct(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for question in self.questions:
            counts[question.text] = counts.get(question.text, 0) + 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def collect(engine: Engine, period: Period) -> list[Question]:
    m = messages.c
    first, last = period.start.isoformat(), period.end.isoformat()
    found: dict[int, Question] = {}
    with engine.connect() as connection:
        rows = connection.execute(
            select(m.event_id, m.text, m.not_covered, m.fallback)
            .where(m.day >= first, m.day <= last, or_(m.not_covered.is_(True), m.fallback.is_(True)))
            .order_by(m.event_id)
        )
        for row in rows:
            reason = NOT_COVERED if row.not_covered else FALLBACK
            found[row.event_id] = Question(row.event_id, row.text, reason)
        start, end = day_start(period.start), day_start(period.end + dt.timedelta(days=1))
        downs = connection.execute(
            select(feedback.c.sender_id, feedback.c.bot_timestamp).where(
                feedback.c.value == "down",
                feedback.c.bot_timestamp >= start,
                feedback.c.bot_timestamp < end,
            )
        ).all()
        for sender_id, when in downs:
            asked = connection.execute(
                select(m.event_id, m.text)
                .where(m.sender_id == sender_id, m.timestamp <= when)
                .order_by(m.timestamp.desc())
                .limit(1)
            ).first()
            if asked and asked.event_id not in found:
                found[asked.event_id] = Question(asked.event_id, asked.text, THUMBS_DOWN)
    return [question for question in found.values() if normalise(question.text)]


def group(questions: list[Question], similarity: float = SIMILARITY) -> list[Group]:
    """Groups, largest first. A group's id is its leader's event id, stable between requests."""
    by_text: dict[str, list[Question]] = {}
    for question in questions:
        by_text.setdefault(normalise(question.text), []).append(question)
    texts = sorted(by_text, key=lambda text: (-len(by_text[text]), text))[:MAX_DISTINCT]
    if not texts:
        return []
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    groups: list[Group] = []
    leaders: list[int] = []
    # The leaders' rows, transposed; rebuilt only when a group is added (the
    # rows are L2-normalised, so a product is a cosine).
    leader_matrix = None
    for index, text in enumerate(texts):
        members = by_text[text]
        target = None
        if leader_matrix is not None:
            scores = (vectors[index] @ leader_matrix).toarray().ravel()
            best = int(scores.argmax())
            if scores[best] >= similarity:
                target = groups[best]
        if target is None:
            target = Group(id=min(q.event_id for q in members), leader=members[0].text)
            groups.append(target)
            leaders.append(index)
            leader_matrix = vectors[leaders].T.tocsc()
        target.questions.extend(members)
    return sorted(groups, key=lambda g: (-g.count, g.id))


def nlu_yaml(examples: list[str], intent: str = "new_intent") -> str:
    """Rasa NLU training data (YAML) with these examples, one line each."""
    intent = re.sub(r"[^A-Za-z0-9_]", "_", intent) or "new_intent"
    lines = ['version: "3.1"', "nlu:", f"- intent: {intent}", "  examples: |"]
    seen = set()
    for example in examples:
        line = re.sub(r"\s+", " ", example).strip()
        if line and line.lower() not in seen:
            seen.add(line.lower())
            lines.append(f"    - {line}")
    return "\n".join(lines) + "\n"
