"""Rules: monitoring."""
