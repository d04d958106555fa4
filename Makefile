.PHONY: help install run test train chat ingest coverage evaluate redflags first-answer
help:  ## List the verbs
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'
install:  ## Install everything (venv, packages, spaCy pipeline, guidance store)
	scripts/install
run:  ## Set up and run the bot on port 5005
	scripts/run
test:  ## Run every test
	scripts/test
train:  ## Train the model if its inputs changed
	scripts/train
chat:  ## Chat with the running bot in this terminal
	scripts/chat
ingest:  ## Re-ingest the guidance documents (no retraining needed)
	.venv/bin/python -m guidance.ingest
coverage:  ## Show which intents reach each guidance passage
	.venv/bin/python -m guidance.coverage
evaluate:  ## Held-out NLU macro-F1
	PYTHONPATH=. .venv/bin/python -m benchmarks.nlu_heldout
redflags:  ## Red-flag recall and false-alarm rates
	PYTHONPATH=. .venv/bin/python -m benchmarks.red_flags
first-answer:  ## Fresh clone: time to the first answer, server memory
	PYTHONPATH=. .venv/bin/python -m benchmarks.first_answer
