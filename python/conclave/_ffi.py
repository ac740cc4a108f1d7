"""Loads libconclave.so with cffi in ABI mode: the declarations come from conclave.h itself, so
no compiler is needed at import time and the bindings cannot drift from the header."""

from __future__ import annotations

import ctypes.util
import os
import re
from pathlib import Path
from typing import Any

import cffi

_PACKAGE = Path(__file__).resolve().parent


def _header_path() -> Path:
    """conclave.h: the copy installed with the package, else the repository's."""
    candidates = [
        _PACKAGE / "include" / "conclave.h",
        _PACKAGE.parent.parent / "include" / "conclave" / "conclave.h",
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ImportError("conclave.h not found; looked at " + ", ".join(map(str, candidates)))


def cdef_of(header: str) -> str:
    """The declarations of conclave.h as cffi's cdef accepts them: comments, preprocessor lines
    (but integer #defines), C++ guards and the CONCLAVE_API marker removed."""
    text = re.sub(r"/\*.*?\*/", " ", header, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    lines: list[str] = []
    skipping = 0
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#ifdef __cplusplus"):
            skipping += 1
            continue
        if stripped.startswith("#"):
            if skipping and stripped.startswith("#endif"):
                skipping -= 1
            elif re.match(r"#define\s+\w+\s+-?\d+\s*$", stripped):
                lines.append(stripped)
            continue
        if skipping:
            continue
        lines.append(line.replace("CONCLAVE_API", ""))
    return "\n".join(lines)


def _library_path() -> str:
    """libconclave.so: $CONCLAVE_LIBRARY, the copy installed with the package, or the system's."""
    explicit = os.environ.get("CONCLAVE_LIBRARY")
    if explicit:
        return explicit
    bundled = _PACKAGE / "lib" / "libconclave.so.0"
    if bundled.is_file():
        return str(bundled)
    found = ctypes.util.find_library("conclave")
    return found or "libconclave.so.0"


ffi = cffi.FFI()
ffi.cdef(cdef_of(_header_path().read_text(encoding="utf-8")))
try:
    lib: Any = ffi.dlopen(_library_path())
except OSError as error:  # pragma: no cover - depends on the installation
    raise ImportError(
        f"cannot load libconclave.so ({error}); set CONCLAVE_LIBRARY to its path"
    ) from error
