"""Rules: fallbacks."""
