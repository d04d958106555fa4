"""What the tests share besides fixtures: running coroutines beside Playwright,
the real servers started for end-to-end tests, a stand-in for Slack's and
Telegram's APIs, channel clients, and the expected answer texts."""
