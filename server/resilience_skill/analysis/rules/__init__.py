"""Rule families, one module each; importing this package registers every rule."""

from resilience_skill.analysis.rules import (  # noqa: F401
    breakers,
    bulkheads,
    circuit_guard,
    failfast,
    fallbacks,
    messaging,
    monitoring,
    retries,
    timeouts,
)
