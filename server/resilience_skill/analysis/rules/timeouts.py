"""Rules: timeouts."""
