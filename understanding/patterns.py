"""Helpers for writing spaCy Matcher token patterns."""

from __future__ import annotations

from typing import Iterable

OPT = {"OP": "?"}
ANY = {"OP": "?"}  # one optional token of any kind


def lemmas(*words: str) -> dict:
    return {"LEMMA": {"IN": list(words)}}


def lower(*words: str) -> dict:
    return {"LOWER": {"IN": list(words)}}


def optional(token: dict) -> dict:
    return {**token, "OP": "?"}


def copy_patterns(patterns: Iterable[Iterable[dict]]) -> list[list[dict]]:
    return [[dict(token) for token in pattern] for pattern in patterns]
