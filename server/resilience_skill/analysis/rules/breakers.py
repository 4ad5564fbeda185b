"""Rules: breakers."""
