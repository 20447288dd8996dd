"""Values slow to build that only change with their inputs (the snapshot's frames, the NYSE calendar),
kept on disk between processes, so that a terminal answer does not rebuild them every time (together
about 0.3 s of a 1-second start).

Off until the composition root names a folder (``keep_in``; bot.wiring does, under the cache
folder). A file is named by a hash of everything the value is made from: the inputs the caller
gives, the code that makes it, and the versions of the libraries it is made with; a file that
cannot be read is made again, and a folder that cannot be written costs only the saving.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
LIBRARIES = ("pandas", "numpy", "exchange_calendars")
_folder: Path | None = None


def keep_in(folder: Path | None) -> None:
    """Where prepared values are kept (None: nowhere, each process builds its own)."""
    global _folder
    _folder = folder


def prepared(name: str, inputs: bytes, code: tuple[str, ...], make: Callable[[], T]) -> T:
    """``make()``, or what a process made before from the same ``inputs``, ``code`` (paths of the
    modules that make it) and library versions."""
    if _folder is None:
        return make()
    digest = hashlib.sha256(inputs)
    for module in code:
        digest.update(Path(module).read_bytes())
    for library in LIBRARIES:
        digest.update(metadata.version(library).encode())
    path = _folder / f"{name}-{digest.hexdigest()[:20]}.pickle"
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except FileNotFoundError:
        pass
    except Exception as exc:  # truncated, or from another Python: made again below
        log.debug("Prepared %s unreadable (%r); making it again", path, exc)
    value = make()
    _save(path, name, value)
    return value


def _save(path: Path, name: str, value: object) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{name}-", delete=False) as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(fh.name, path)  # whole or not at all, whoever reads it meanwhile
        for older in path.parent.glob(f"{name}-*.pickle"):
            if older != path:
                older.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("Could not keep %s in %s: %s", name, path.parent, exc)
