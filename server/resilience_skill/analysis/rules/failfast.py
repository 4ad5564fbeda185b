"""Rules: failfast."""
