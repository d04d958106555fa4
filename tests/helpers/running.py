"""Helpers shared by tests of every tier."""


def run_async(coroutine):
    """Runs a coroutine to completion in a thread of its own, so async tests work
    beside Playwright's sync API (which keeps an event loop in the main thread)."""
    import asyncio
    import threading

    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the caller
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")
