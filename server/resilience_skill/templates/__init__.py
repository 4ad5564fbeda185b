"""Templates of ``resilience generate``.

Every template is a real, importable module (so ruff, mypy and pytest treat it as code) with
a pytest module under ``emitted_tests/`` that exercises it under injected faults. The catalog
(:mod:`.catalog`) says which module serves which pattern, flavor and sync/async variant;
:mod:`.render` turns a template into the emitted source by substituting its main name, its
module name and its ``# param:`` constants with validated values.

The project's mypy run skips this folder (templates import optional libraries); check it
with ``mypy --config-file /dev/null --strict --ignore-missing-imports
server/resilience_skill/templates``. ``tests/test_generate.py`` renders every variant and
runs ruff, the audit, mypy and each variant's emitted tests on the result.
"""
