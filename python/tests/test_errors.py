"""Error mapping: a refused call raises ConclaveError carrying the ErrorCode's number and the
rule's name, and leaves the state as it was."""

from __future__ import annotations

import pytest

import conclave
from conclave import ConclaveError, ErrorCode, Group, GroupOptions, Identity, KeyPackage


def test_codes_mirror_the_library(provider):
    assert ErrorCode.VARINT_NOT_MINIMAL == 102 and ErrorCode.STORAGE_CONFLICT == 800
    assert conclave.library_version() == conclave.__version__


def test_truncated_and_undefined_input_name_their_rule(provider, options):
    group = Group.create(provider, Identity.generate(provider, "alice"), options)
    with pytest.raises(ConclaveError) as caught:
        group.process(b"\x00\x01")
    assert caught.value.code == ErrorCode.TRUNCATED and caught.value.rule == "truncated"
    with pytest.raises(ConclaveError) as caught:
        group.process(b"\x00\x01\x00\x00")
    assert caught.value.error_code is ErrorCode.INVALID_ENUM_VALUE
    assert caught.value.message.startswith("invalid-enum-value:")
    with pytest.raises(ConclaveError) as caught:
        group.merge_pending_commit()
    assert caught.value.rule == "no-pending-commit"
    assert group.epoch == 0


def test_a_message_key_is_used_once(provider, options):
    """RFC 9420 §9.2: a replayed PrivateMessage is refused (kGenerationReused)."""
    alice, bob = Identity.generate(provider, "alice"), Identity.generate(provider, "bob")
    kp = KeyPackage.create(provider, bob)
    a = Group.create(provider, alice, options)
    out = a.commit(add=[kp.message])
    a.merge_pending_commit()
    b = Group.join(provider, bob, kp, out.welcome, options)
    message = a.protect(b"once")
    b.process(message)
    with pytest.raises(ConclaveError) as caught:
        b.process(message)
    assert caught.value.error_code is ErrorCode.GENERATION_REUSED


def test_a_credential_validator_is_required_and_asked(provider):
    """RFC 9420 §5.3.1: no validator, no group; the application's validator refuses Mallory."""
    alice = Identity.generate(provider, "alice")
    with pytest.raises(ConclaveError) as caught:
        Group.create(provider, alice, GroupOptions())
    assert caught.value.error_code is ErrorCode.CREDENTIAL_VALIDATOR_MISSING

    seen = []

    def validator(credential_type: int, credential: bytes, key: bytes) -> bool:
        seen.append(credential)
        return credential != b"mallory"

    group = Group.create(provider, alice, GroupOptions(credential_validator=validator))
    mallory = KeyPackage.create(provider, Identity.generate(provider, "mallory"))
    with pytest.raises(ConclaveError) as caught:
        group.commit(add=[mallory.message])
    assert caught.value.error_code is ErrorCode.CREDENTIAL_REJECTED
    assert b"mallory" in seen and not group.has_pending_commit and group.epoch == 0

    def broken(credential_type: int, credential: bytes, key: bytes) -> bool:
        raise RuntimeError("the validator fails")

    group = Group.create(provider, alice, GroupOptions(credential_validator=broken))
    with pytest.raises(ConclaveError) as caught:  # an exception in Python is a refusal
        group.commit(add=[mallory.message])
    assert caught.value.error_code is ErrorCode.CREDENTIAL_REJECTED


def test_keys_that_do_not_match_are_refused(provider):
    kp = KeyPackage.create(provider, Identity.generate(provider, "alice"))
    with pytest.raises(ConclaveError) as caught:
        KeyPackage.from_parts(provider, kp.message, b"\x01" * 32, b"\x01" * 32)
    assert caught.value.error_code is ErrorCode.INVALID_PRIVATE_KEY
    with pytest.raises(ConclaveError) as caught:
        conclave.Store.sqlite("/nonexistent-folder/x.sqlite", provider)
    assert caught.value.error_code is ErrorCode.STORAGE_BACKEND
