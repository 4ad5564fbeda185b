"""Rules: messaging."""
