"""A small order service that works on a good day and falls over on a bad one.

Every module here has the kind of code that turns one slow dependency into an outage;
`resilience audit examples/` finds it, `resilience fix --unsafe-fixes` mends what can be
mended mechanically, and `examples/fixed/` shows the finished result.
"""
