"""The staff transcript review tool: reads Rasa's tracker store, keeps its own
tables beside it (created by the migrations in review/migrations/) and serves
the review pages."""
