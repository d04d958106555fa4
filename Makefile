.PHONY: help install run test train chat ingest coverage evaluate redflags redflags-cv redflags-old redflags-cost redflags-representation embedding-check first-answer guidance-questions guidance-dev review review-scale hung-action turn-speed cluster tracker-history
help:  ## List the verbs
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'
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
redflags:  ## Red flags on the held-out corpus: recall per flag and tier, false alarms
	PYTHONPATH=. .venv/bin/python -m benchmarks.red_flag_corpus --part heldout-16
redflags-cv:  ## Red-flag classifier cross-validation on the training part
	PYTHONPATH=. .venv/bin/python -m benchmarks.red_flag_cv
redflags-old:  ## Red flags on the first hand-written sets (tests/red_flags)
	PYTHONPATH=. .venv/bin/python -m benchmarks.red_flags
redflags-cost:  ## What the embedding and the red-flag check add per message (time, memory)
	PYTHONPATH=. .venv/bin/python -m benchmarks.red_flag_cost
redflags-representation:  ## The red-flag classifier with and without the sentence embedding (held-out)
	PYTHONPATH=. .venv/bin/python -m benchmarks.red_flag_representation
embedding-check:  ## The int8 embedding model against the published weights (hashes, cosines)
	PYTHONPATH=. .venv/bin/python -m benchmarks.embedding_check
first-answer:  ## Fresh clone: time to the first answer, server memory
	PYTHONPATH=. .venv/bin/python -m benchmarks.first_answer
guidance-questions:  ## Held-out guidance questions: right passage, clean, refused, honest (figures only)
	PYTHONPATH=. .venv/bin/python -m benchmarks.guidance_questions $(if $(SET),--set $(SET))
guidance-dev:  ## The same on the development set, with every miss
	PYTHONPATH=. .venv/bin/python -m benchmarks.guidance_questions --set dev --show
review:  ## Run the staff transcript review tool on http://localhost:8090
	scripts/review
review-scale:  ## The review tool's list and search pages over 100,000 generated conversations
	PYTHONPATH=. .venv/bin/python -m benchmarks.review_scale
hung-action:  ## Time to the apology when the action server hangs
	PYTHONPATH=. .venv/bin/python -m benchmarks.hung_action
turn-speed:  ## Turn speed, memory, cold start: WalkWise beside Rasa's rasa-init configuration (QUICK=1: small counts)
	PYTHONPATH=. .venv/bin/python -m benchmarks.turn_speed $(if $(QUICK),--quick)
cluster:  ## HAProxy on :5000, two Rasa servers, PostgreSQL and Redis (scripts/cluster)
	scripts/cluster
tracker-history:  ## A turn at the start and after 100 turns of one conversation: tracker store alone, whole server
	PYTHONPATH=. .venv/bin/python -m benchmarks.tracker_history
