"""Templates of ``resilience generate``.

Every template is a real, importable module (so ruff, mypy and pytest treat it as code) with
a pytest module under ``emitted_tests/`` that exercises it under injected faults. The catalog
(:mod:`.catalog`) says which module serves which pattern, flavor and sync/async variant;
:mod:`.render` turns a template into the emitted source by substituting its main name, its
module name and its ``# param:`` constants with validated values.
"""
