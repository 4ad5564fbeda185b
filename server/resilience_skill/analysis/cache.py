"""A content-keyed cache of per-file results, so an unchanged file is not analysed twice.

The per-file stage is a pure function of (display path, path under the root, bytes, config,
enabled rules) plus one outside fact, whether the project pins redis below 8 (RES105); the key
hashes all of them with the tool's version. Entries are pickled ``FileResult``s written
atomically; a missing, stale or unreadable entry is simply a miss. The folder holds a
``.gitignore`` of ``*`` so it never ends up in a commit.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from dataclasses import asdict
from pathlib import Path

from resilience_skill import __version__
from resilience_skill.analysis.engine import FileResult
from resilience_skill.config import Config

logger = logging.getLogger(__name__)

CACHE_DIR_NAME = ".resilience_cache"


def config_salt(config: Config) -> str:
    """What in the config can change a per-file result (not where it was read from)."""
    values = asdict(config)
    for key in ("path", "root", "extra"):
        values.pop(key, None)
    return hashlib.sha256(f"{__version__}:{sorted(values.items())!r}".encode()).hexdigest()


def cache_key(
    salt: str, display: str, rel: str, raw: bytes, rule_ids: frozenset[str], redis_pin: bool | None
) -> str:
    digest = hashlib.sha256()
    for part in (salt, display, rel, ",".join(sorted(rule_ids)), repr(redis_pin)):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    digest.update(raw)
    return digest.hexdigest()


class FileCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder / f"v{__version__}"

    def _entry(self, key: str) -> Path:
        return self.folder / key[:2] / key[2:]

    def get(self, key: str) -> FileResult | None:
        try:
            with self._entry(key).open("rb") as handle:
                result = pickle.load(handle)
        except FileNotFoundError:
            return None
        except Exception:
            # A truncated or foreign entry is a miss, never a failed audit.
            logger.debug("ignoring unreadable cache entry %s", key, exc_info=True)
            return None
        return result if isinstance(result, FileResult) else None

    def put(self, key: str, result: FileResult) -> None:
        entry = self._entry(key)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.folder.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by resilience audit\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        except OSError:
            logger.debug("cannot write cache entry %s", entry, exc_info=True)


def default_cache_folder(config: Config) -> Path:
    """Next to the pyproject.toml that configured the run, else in the working folder."""
    return Path(config.root) / CACHE_DIR_NAME if config.root else Path.cwd() / CACHE_DIR_NAME
