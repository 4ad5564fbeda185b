"""resilience-skill: find and fix the code that turns one slow dependency into an outage."""

__version__ = "0.1.0"
