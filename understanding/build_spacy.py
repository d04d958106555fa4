"""Builds the spaCy pipeline the NLU uses, offline.

spaCy's pretrained English models cannot be downloaded where WalkWise runs,
so the pipeline is a blank English tokenizer plus the lookup lemmatizer whose
tables come from the ``spacy-lookups-data`` package. Lemmas let the featurizer
treat "walking", "walked" and "walks" as one word. The result is saved to
``build/spacy-en-walkwise`` and ``config.yml`` points ``SpacyNLP`` at it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import spacy
from spacy.language import Language

from common import paths

DEFAULT_OUTPUT = paths.SPACY_PIPELINE
PIPELINE_NAME = "en_walkwise"
PIPELINE_VERSION = "1.0.0"


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME.removeprefix("en_")
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.meta["description"] = "Blank English tokenizer with lookup lemmas, built offline."
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    nlp = build_pipeline()
    args.output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.output)
    print(
        f"    saved {', '.join(nlp.pipe_names)} pipeline to "
        f"{args.output.relative_to(paths.ROOT) if args.output.is_relative_to(paths.ROOT) else args.output}"
    )


if __name__ == "__main__":
    main()
