"""The order service of ``examples/flaky_service``, as a careful engineer would ship it.

It started as the output of ``resilience fix --unsafe-fixes``; every finding the fixer could
not mend was resolved by hand with code from ``resilience generate`` (the modules whose first
lines name the command that produced them). ``resilience audit examples/fixed`` reports nothing.
"""
