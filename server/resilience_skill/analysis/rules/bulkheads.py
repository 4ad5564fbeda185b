"""Rules: bulkheads."""
