"""The review tool's web pages (Starlette, Jinja2)."""
