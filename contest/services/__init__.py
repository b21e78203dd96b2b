"""Use cases. Each opens its own transaction, gathers, calls the scoring core, persists, and returns what the
caller publishes after the commit. No scoring `if` lives here: the core decides."""
