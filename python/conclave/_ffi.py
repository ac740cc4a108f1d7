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


def _header_dir() -> Path:
    """The folder of conclave.h and its parts: the copy installed with the package, else the
    repository's include/conclave."""
    candidates = [
        _PACKAGE / "include" / "conclave",
        _PACKAGE.parent.parent / "include" / "conclave",
    ]
    for candidate in candidates:
        if (candidate / "conclave.h").is_file():
            return candidate
    raise ImportError("conclave.h not found; looked in " + ", ".join(map(str, candidates)))


def _read_header(folder: Path, name: str, seen: set[str]) -> str:
    """The header `name` with its `#include "conclave/..."` lines replaced by those headers
    (each once), as the preprocessor would."""
    if name in seen:
        return ""
    seen.add(name)
    out = []
    for line in (folder / name).read_text(encoding="utf-8").splitlines():
        included = re.match(r'\s*#\s*include\s+"conclave/([\w.]+)"', line)
        out.append(_read_header(folder, included.group(1), seen) if included else line)
    return "\n".join(out)


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
ffi.cdef(cdef_of(_read_header(_header_dir(), "conclave.h", set())))
try:
    lib: Any = ffi.dlopen(_library_path())
except OSError as error:  # pragma: no cover - depends on the installation
    raise ImportError(
        f"cannot load libconclave.so ({error}); set CONCLAVE_LIBRARY to its path"
    ) from error
