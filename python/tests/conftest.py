"""Shared fixtures of the Python package's tests (ctest python.bindings): the library comes from
$CONCLAVE_LIBRARY (the build's libconclave.so) and the package from python/."""

from __future__ import annotations

import pytest

import conclave


@pytest.fixture(scope="session")
def provider() -> conclave.Provider:
    return conclave.Provider()


@pytest.fixture(scope="session")
def options() -> conclave.GroupOptions:
    # Tests only: every credential is accepted (RFC 9420 §5.3.1 wants the application's check).
    return conclave.GroupOptions(accept_any_credential=True, worker_threads=0)
