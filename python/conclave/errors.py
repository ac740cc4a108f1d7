"""Errors: every failed call of the C API raises ConclaveError with the status code (the number
of Conclave's ErrorCode, ErrorCode below) and the rule's short name."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from ._ffi import ffi, lib

_T = TypeVar("_T", bound="Closable")


def _codes() -> dict[str, int]:
    prefix = "CONCLAVE_ERR_"
    return {
        name[len(prefix):]: getattr(lib, name)
        for name in dir(lib)
        if name.startswith(prefix)
    }


ErrorCode = enum.IntEnum("ErrorCode", _codes())  # type: ignore[misc]
ErrorCode.__doc__ = "The status codes of conclave.h (CONCLAVE_ERR_*), by name without prefix."


class ConclaveError(Exception):
    """A call the library refused.

    Attributes:
        code: the status (an ErrorCode value when known).
        rule: the code's short stable name, e.g. "generation-reused".
        message: the library's message: the rule, a colon and the detail.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code: int = code
        self.rule: str = ffi.string(lib.conclave_status_name(code)).decode()
        self.message: str = message

    @property
    def error_code(self) -> ErrorCode | None:
        """The code as an ErrorCode, or None for a number this version does not know."""
        try:
            return ErrorCode(self.code)
        except ValueError:
            return None

    def __repr__(self) -> str:
        return f"ConclaveError({self.code}, {self.message!r})"


def check(status: int) -> None:
    """Raises ConclaveError unless `status` is CONCLAVE_OK."""
    if status != 0:
        raise ConclaveError(status, ffi.string(lib.conclave_last_error_message()).decode())


def take_bytes(pointer: Any, length: Any) -> bytes:
    """Copies bytes the library allocated and frees (wipes) its buffer."""
    if pointer[0] == ffi.NULL:
        return b""
    try:
        return bytes(ffi.buffer(pointer[0], length[0]))
    finally:
        lib.conclave_free_bytes(pointer[0])


def borrowed(pointer: Any, length: Any) -> bytes | None:
    """Copies bytes a handle owns (an accessor's result); None for NULL."""
    if pointer == ffi.NULL:
        return None
    return bytes(ffi.buffer(pointer, length[0]))


def text(pointer: Any) -> str:
    """A NUL-terminated string a handle owns."""
    return "" if pointer == ffi.NULL else ffi.string(pointer).decode()


class Closable:
    """A handle that frees (and wipes) its library object when collected, or at once with
    close() or at the end of a `with` block; the object is unusable afterwards."""

    _handle: Any

    def close(self) -> None:
        """Frees the library object now (its secrets are wiped)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            ffi.release(handle)

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
