"""Conclave: Messaging Layer Security (RFC 9420) for Python, over Conclave's C API
(libconclave.so, include/conclave/conclave.h) with cffi in ABI mode. See docs/python.md."""

from ._ffi import ffi as _ffi
from ._ffi import lib as _lib
from .client import Client, DeliveryService, Event, EventKind, SyncResult, Transport
from .errors import ConclaveError, ErrorCode
from .group import (
    ApplicationMessage,
    CommitOutput,
    Group,
    Member,
    ProcessResult,
    Proposal,
    StagedCommit,
    WelcomeInfo,
    inspect_welcome,
)
from .keys import (
    DEFAULT_SUITE,
    GroupOptions,
    Identity,
    KeyPackage,
    KeyPackageStore,
    Provider,
    Store,
)

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the loaded libconclave.so."""
    return _ffi.string(_lib.conclave_version()).decode()


__all__ = [
    "ApplicationMessage", "Client", "CommitOutput", "ConclaveError", "DEFAULT_SUITE",
    "DeliveryService", "ErrorCode", "Event", "EventKind", "Group", "GroupOptions", "Identity",
    "KeyPackage", "KeyPackageStore", "Member", "ProcessResult", "Proposal", "Provider",
    "StagedCommit", "Store", "SyncResult", "Transport", "WelcomeInfo", "inspect_welcome",
    "library_version",
]
