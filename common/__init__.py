"""Names and paths shared across layers. Imports nothing from Rasa."""
