"""Rules: retries."""
