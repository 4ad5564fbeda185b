"""Which template serves which pattern, flavor and sync/async variant, and how to apply it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    description: str
    flavors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Template:
    pattern: str
    flavor: str
    is_async: bool
    stem: str
    """Module name of the template inside this package (and of its test, ``test_<stem>``)."""
    main: str
    """The class or function the user applies; ``--name`` renames it."""
    module_name: str
    dependencies: tuple[str, ...]
    notes: tuple[str, ...]


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "timeout",
        "a configured client with connect/read timeouts and a per-call override",
        ("requests", "httpx", "aiohttp"),
    ),
    Pattern(
        "retry",
        "retry with capped exponential backoff and full jitter, a stop condition, retrying "
        "only transient errors, observable",
        ("stdlib", "tenacity", "backoff", "stamina"),
    ),
    Pattern(
        "circuit-breaker",
        "a breaker with closed/open/half-open, failure threshold, recovery timeout, listener hooks",
        ("stdlib", "pybreaker", "circuitbreaker", "purgatory"),
    ),
    Pattern(
        "bulkhead",
        "separate bounded pools or semaphores per dependency class, rejecting when full",
        ("stdlib",),
    ),
    Pattern("fallback-chain", "service -> cache -> default, each step observable", ("stdlib",)),
    Pattern(
        "dead-letter-queue",
        "a consumer that retries a bounded number of times, then publishes to a DLQ with the "
        "error, then acks",
        ("stdlib", "pika", "kafka", "sqs"),
    ),
    Pattern(
        "resilient-client",
        "timeout + retry + circuit breaker composed in the right order around an HTTP client",
        ("requests", "httpx"),
    ),
    Pattern(
        "deadline",
        "a deadline object propagated through calls, shrinking each per-call timeout",
        ("stdlib",),
    ),
)

_TIMEOUT_NOTES = (
    "Create one client at start-up and share it; route every call to the dependency through it.",
    "Resolves RES101 (HTTP call without timeout) and RES102 (timeout disabled).",
    "Pick the read timeout from the dependency's p99 latency, not a round number.",
)
_RETRY_NOTES = (
    "Wrap the single call to the remote dependency, not the whole request handler: retry at "
    "one layer only.",
    "Resolves RES201-RES206 and RES209 (unbounded, no backoff, no jitter, no cap, naive loops, "
    "retrying every exception) and RES801 (unobserved retries).",
    "Retry only idempotent operations (RES208): send an idempotency key with POST/PATCH.",
    "Set TRANSIENT_ERRORS to your client's transient errors (requests.ConnectionError, "
    "requests.Timeout, httpx.TransportError): the builtin ConnectionError and TimeoutError "
    "do not cover them.",
    "Put a circuit breaker inside the retry (RES301): see `resilience generate circuit-breaker`.",
)
_BREAKER_NOTES = (
    "Create one breaker per dependency at module level and share it (RES302); guard each call "
    "to that dependency with it, inside any retry (RES301).",
    "Let failures propagate out of the guarded call so the breaker sees them (RES303).",
    "The listener logs every state change (RES801); hook your metrics into it.",
)
_BULKHEAD_NOTES = (
    "Create one bulkhead per dependency class (critical vs non-critical) at start-up and run "
    "each dependency's calls through its own.",
    "Resolves RES401 (unbounded fan-out) and RES402/RES403 (blocking work sharing one pool or "
    "the event loop).",
    "Treat the rejection error as a fast failure: return a fallback or a 503, never queue it.",
)
_FALLBACK_NOTES = (
    "Wrap the read path of a dependency with a degraded answer (a cache, a default).",
    "Resolves RES501/RES502 (swallowed exceptions and silent fallbacks): every step that fails "
    "is logged with its exception and reported to the hook.",
    "Handle only the dependency's failure types; programming errors still propagate.",
)
_DLQ_NOTES = (
    "Register the consumer's handler with the broker client with manual acknowledgement.",
    "Resolves RES601 (ack before processing) and RES602 (failure without dead letter): a "
    "message is acked only after it succeeded or was dead-lettered with its error.",
    "Make the handler idempotent: a crash between the work and the ack redelivers the message.",
)
_CLIENT_NOTES = (
    "Use one client per downstream service instead of raw calls; order: total deadline -> "
    "retry -> circuit breaker -> per-attempt timeout (Polly's standard pipeline).",
    "Resolves RES101/RES102 (timeouts), RES201-RES209 (retries), RES301 (retry without "
    "breaker), RES701 (latency budget) and RES801 (observability).",
    "Only idempotent methods are retried, or requests that carry an Idempotency-Key header.",
)
_DEADLINE_NOTES = (
    "Create a deadline at the edge (the request handler) and pass it down; each call takes "
    "`deadline.timeout(per_call_max)` as its timeout.",
    "Resolves RES702 (deadline not propagated) and RES701 (latency budget exceeded).",
)

TEMPLATES: tuple[Template, ...] = (
    Template(
        "timeout",
        "requests",
        False,
        "timeout_requests",
        "TimeoutSession",
        "http_timeouts",
        ("requests>=2.31",),
        _TIMEOUT_NOTES,
    ),
    Template(
        "timeout",
        "httpx",
        False,
        "timeout_httpx",
        "TimeoutClient",
        "http_timeouts",
        ("httpx>=0.27",),
        _TIMEOUT_NOTES,
    ),
    Template(
        "timeout",
        "httpx",
        True,
        "timeout_httpx_async",
        "AsyncTimeoutClient",
        "http_timeouts",
        ("httpx>=0.27",),
        _TIMEOUT_NOTES,
    ),
    Template(
        "timeout",
        "aiohttp",
        True,
        "timeout_aiohttp",
        "create_session",
        "http_timeouts",
        ("aiohttp>=3.9",),
        _TIMEOUT_NOTES,
    ),
    Template(
        "retry", "stdlib", False, "retry_stdlib", "RetryPolicy", "retry_policy", (), _RETRY_NOTES
    ),
    Template(
        "retry",
        "stdlib",
        True,
        "retry_stdlib_async",
        "AsyncRetryPolicy",
        "retry_policy",
        (),
        _RETRY_NOTES,
    ),
    Template(
        "retry",
        "tenacity",
        False,
        "retry_tenacity",
        "transient_retry",
        "retry_policy",
        ("tenacity>=9",),
        _RETRY_NOTES,
    ),
    Template(
        "retry",
        "tenacity",
        True,
        "retry_tenacity_async",
        "transient_retry",
        "retry_policy",
        ("tenacity>=9",),
        _RETRY_NOTES,
    ),
    Template(
        "retry",
        "backoff",
        False,
        "retry_backoff",
        "transient_retry",
        "retry_policy",
        ("backoff>=2.2",),
        _RETRY_NOTES,
    ),
    Template(
        "retry",
        "backoff",
        True,
        "retry_backoff_async",
        "transient_retry",
        "retry_policy",
        ("backoff>=2.2",),
        _RETRY_NOTES,
    ),
    Template(
        "retry",
        "stamina",
        False,
        "retry_stamina",
        "transient_retry",
        "retry_policy",
        ("stamina>=24.3",),
        _RETRY_NOTES,
    ),
    Template(
        "retry",
        "stamina",
        True,
        "retry_stamina_async",
        "transient_retry",
        "retry_policy",
        ("stamina>=24.3",),
        _RETRY_NOTES,
    ),
    Template(
        "circuit-breaker",
        "stdlib",
        False,
        "breaker_stdlib",
        "CircuitBreaker",
        "circuit_breaker",
        (),
        _BREAKER_NOTES,
    ),
    Template(
        "circuit-breaker",
        "stdlib",
        True,
        "breaker_stdlib_async",
        "AsyncCircuitBreaker",
        "circuit_breaker",
        (),
        _BREAKER_NOTES,
    ),
    Template(
        "circuit-breaker",
        "pybreaker",
        False,
        "breaker_pybreaker",
        "make_breaker",
        "circuit_breaker",
        ("pybreaker>=1.2",),
        _BREAKER_NOTES,
    ),
    Template(
        "circuit-breaker",
        "circuitbreaker",
        False,
        "breaker_circuitbreaker",
        "ObservedCircuitBreaker",
        "circuit_breaker",
        ("circuitbreaker>=2",),
        _BREAKER_NOTES,
    ),
    Template(
        "circuit-breaker",
        "circuitbreaker",
        True,
        "breaker_circuitbreaker_async",
        "ObservedCircuitBreaker",
        "circuit_breaker",
        ("circuitbreaker>=2",),
        _BREAKER_NOTES,
    ),
    Template(
        "circuit-breaker",
        "purgatory",
        False,
        "breaker_purgatory",
        "make_breakers",
        "circuit_breaker",
        ("purgatory>=3",),
        _BREAKER_NOTES,
    ),
    Template(
        "circuit-breaker",
        "purgatory",
        True,
        "breaker_purgatory_async",
        "make_breakers",
        "circuit_breaker",
        ("purgatory>=3",),
        _BREAKER_NOTES,
    ),
    Template(
        "bulkhead", "stdlib", False, "bulkhead_stdlib", "Bulkhead", "bulkheads", (), _BULKHEAD_NOTES
    ),
    Template(
        "bulkhead",
        "stdlib",
        True,
        "bulkhead_stdlib_async",
        "AsyncBulkhead",
        "bulkheads",
        (),
        _BULKHEAD_NOTES,
    ),
    Template(
        "fallback-chain",
        "stdlib",
        False,
        "fallback_stdlib",
        "FallbackChain",
        "fallback_chain",
        (),
        _FALLBACK_NOTES,
    ),
    Template(
        "fallback-chain",
        "stdlib",
        True,
        "fallback_stdlib_async",
        "AsyncFallbackChain",
        "fallback_chain",
        (),
        _FALLBACK_NOTES,
    ),
    Template(
        "dead-letter-queue",
        "stdlib",
        False,
        "dlq_stdlib",
        "DeadLetterConsumer",
        "dead_letter",
        (),
        _DLQ_NOTES,
    ),
    Template(
        "dead-letter-queue",
        "pika",
        False,
        "dlq_pika",
        "DeadLetterConsumer",
        "dead_letter",
        ("pika>=1.3",),
        _DLQ_NOTES,
    ),
    Template(
        "dead-letter-queue",
        "kafka",
        False,
        "dlq_kafka",
        "DeadLetterConsumer",
        "dead_letter",
        ("kafka-python>=2.0",),
        _DLQ_NOTES,
    ),
    Template(
        "dead-letter-queue",
        "sqs",
        False,
        "dlq_sqs",
        "DeadLetterConsumer",
        "dead_letter",
        ("boto3>=1.34",),
        _DLQ_NOTES,
    ),
    Template(
        "resilient-client",
        "requests",
        False,
        "client_requests",
        "ResilientClient",
        "resilient_client",
        ("requests>=2.31",),
        _CLIENT_NOTES,
    ),
    Template(
        "resilient-client",
        "httpx",
        False,
        "client_httpx",
        "ResilientClient",
        "resilient_client",
        ("httpx>=0.27",),
        _CLIENT_NOTES,
    ),
    Template(
        "resilient-client",
        "httpx",
        True,
        "client_httpx_async",
        "AsyncResilientClient",
        "resilient_client",
        ("httpx>=0.27",),
        _CLIENT_NOTES,
    ),
    Template(
        "deadline", "stdlib", False, "deadline_stdlib", "Deadline", "deadlines", (), _DEADLINE_NOTES
    ),
    Template(
        "deadline",
        "stdlib",
        True,
        "deadline_stdlib_async",
        "Deadline",
        "deadlines",
        (),
        _DEADLINE_NOTES,
    ),
)
