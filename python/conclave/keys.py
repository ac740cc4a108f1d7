"""The crypto provider, stores, identities, KeyPackages and group options."""

from __future__ import annotations

from typing import Callable, Mapping, Optional

from ._ffi import ffi, lib
from .errors import Closable, borrowed, check

#: The default cipher suite: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420 §17.1).
DEFAULT_SUITE = 1


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


class Provider:
    """The crypto provider (OpenSSL 3): primitives and randomness. Thread-safe."""

    def __init__(self) -> None:
        out = ffi.new("conclave_provider**")
        check(lib.conclave_provider_new(out))
        self._handle = ffi.gc(out[0], lib.conclave_provider_free)

    def supports(self, suite: int) -> bool:
        """Whether the provider implements cipher suite `suite` (RFC 9420 §17.1)."""
        return bool(lib.conclave_provider_supports(self._handle, suite))


class Store:
    """A storage provider: in memory (Store.memory()) or SQLite (Store.sqlite()). Groups,
    identities and KeyPackages write through it; several objects may share one."""

    def __init__(self, handle: object) -> None:
        self._handle = ffi.gc(handle, lib.conclave_store_free)

    @classmethod
    def memory(cls) -> "Store":
        """A store in memory, gone with the process."""
        out = ffi.new("conclave_store**")
        check(lib.conclave_store_new_memory(out))
        return cls(out[0])

    @classmethod
    def sqlite(cls, path: str, provider: Provider, key: Optional[bytes] = None) -> "Store":
        """The SQLite store at `path`, created if needed; a 32-byte `key` seals every record."""
        out = ffi.new("conclave_store**")
        key = key or b""
        check(lib.conclave_store_open_sqlite(path.encode(), provider._handle, key, len(key), out))
        return cls(out[0])

    def groups(self) -> list[bytes]:
        """The ids of the groups the store holds, ascending."""
        out = ffi.new("conclave_bytes_list**")
        check(lib.conclave_store_groups(self._handle, out))
        return bytes_list(out[0])

    def erase_group(self, group_id: bytes) -> None:
        """Deletes every record of the group."""
        check(lib.conclave_store_erase_group(self._handle, group_id, len(group_id)))


def bytes_list(handle: object) -> list[bytes]:
    """The items of a conclave_bytes_list, which is freed."""
    handle = ffi.gc(handle, lib.conclave_bytes_list_free)
    length = ffi.new("size_t*")
    items = []
    for i in range(lib.conclave_bytes_list_count(handle)):
        items.append(borrowed(lib.conclave_bytes_list_get(handle, i, length), length) or b"")
    return items


class Identity(Closable):
    """A client's credential and signature key pair in one cipher suite (RFC 9420 §5.3)."""

    def __init__(self, handle: object) -> None:
        self._handle = ffi.gc(handle, lib.conclave_identity_free)

    @classmethod
    def generate(cls, provider: Provider, name: bytes | str, suite: int = DEFAULT_SUITE) -> "Identity":
        """A fresh key pair with a basic credential naming `name`."""
        name = _as_bytes(name)
        out = ffi.new("conclave_identity**")
        check(lib.conclave_identity_generate(provider._handle, suite, name, len(name), out))
        return cls(out[0])

    @classmethod
    def from_key_package(
        cls, provider: Provider, key_package: bytes, signature_private_key: bytes
    ) -> "Identity":
        """The identity of a KeyPackage's leaf (an MLSMessage) with its signature private key."""
        out = ffi.new("conclave_identity**")
        check(
            lib.conclave_identity_from_key_package(
                provider._handle, key_package, len(key_package), signature_private_key,
                len(signature_private_key), out,
            )
        )
        return cls(out[0])

    @classmethod
    def load(cls, store: Store, name: str) -> Optional["Identity"]:
        """The identity stored under `name`, or None."""
        out = ffi.new("conclave_identity**")
        check(lib.conclave_identity_load(store._handle, name.encode(), out))
        return None if out[0] == ffi.NULL else cls(out[0])

    def save(self, store: Store, name: str) -> None:
        """Stores the identity under `name`."""
        check(lib.conclave_identity_save(self._handle, store._handle, name.encode()))

    @property
    def cipher_suite(self) -> int:
        """The identity's cipher suite."""
        return int(lib.conclave_identity_cipher_suite(self._handle))

    @property
    def signature_key(self) -> bytes:
        """The signature public key, as in its leaves."""
        length = ffi.new("size_t*")
        return borrowed(lib.conclave_identity_signature_key(self._handle, length), length) or b""

    @property
    def name(self) -> Optional[bytes]:
        """A basic credential's identity; None for other credential types."""
        length = ffi.new("size_t*")
        return borrowed(lib.conclave_identity_name(self._handle, length), length)


class KeyPackage(Closable):
    """A KeyPackage with its private keys (RFC 9420 §10); `message` is what is published."""

    def __init__(self, handle: object) -> None:
        self._handle = ffi.gc(handle, lib.conclave_key_package_free)

    @classmethod
    def create(cls, provider: Provider, identity: Identity, last_resort: bool = False) -> "KeyPackage":
        """A KeyPackage of `identity` with the default lifetime and capabilities."""
        out = ffi.new("conclave_key_package**")
        check(lib.conclave_key_package_create(provider._handle, identity._handle, int(last_resort), out))
        return cls(out[0])

    @classmethod
    def from_parts(
        cls, provider: Provider, key_package: bytes, init_private_key: bytes,
        encryption_private_key: bytes,
    ) -> "KeyPackage":
        """A bundle from a KeyPackage (an MLSMessage) and its two private keys."""
        out = ffi.new("conclave_key_package**")
        check(
            lib.conclave_key_package_from_parts(
                provider._handle, key_package, len(key_package), init_private_key,
                len(init_private_key), encryption_private_key, len(encryption_private_key), out,
            )
        )
        return cls(out[0])

    @property
    def message(self) -> bytes:
        """The public KeyPackage as an MLSMessage."""
        length = ffi.new("size_t*")
        return borrowed(lib.conclave_key_package_message(self._handle, length), length) or b""

    @property
    def ref(self) -> bytes:
        """Its KeyPackageRef (RFC 9420 §5.2)."""
        length = ffi.new("size_t*")
        return borrowed(lib.conclave_key_package_ref(self._handle, length), length) or b""


class KeyPackageStore:
    """The KeyPackages a client published, kept in a Store; a join by Welcome consumes one."""

    def __init__(self, provider: Provider, store: Store) -> None:
        out = ffi.new("conclave_key_package_store**")
        check(lib.conclave_key_package_store_open(provider._handle, store._handle, out))
        self._handle = ffi.gc(out[0], lib.conclave_key_package_store_free)

    def add(self, key_package: KeyPackage) -> None:
        """Adds a bundle, written through to the store."""
        check(lib.conclave_key_package_store_add(self._handle, key_package._handle))

    def __len__(self) -> int:
        return int(lib.conclave_key_package_store_count(self._handle))


#: A credential validator: (credential_type, basic identity or encoded credential,
#: signature_key) -> accept.
CredentialValidator = Callable[[int, bytes, bytes], bool]


class GroupOptions:
    """How groups behave: their configuration and the application's policy (RFC 9420 §5.3.1:
    a credential validator is required; accept_any_credential=True is for demos and tests)."""

    def __init__(
        self,
        *,
        credential_validator: Optional[CredentialValidator] = None,
        accept_any_credential: bool = False,
        public_handshakes: Optional[bool] = None,
        padding_block: Optional[int] = None,
        past_epochs_kept: Optional[int] = None,
        ratchet_tree_in_welcome: Optional[bool] = None,
        check_lifetimes: Optional[bool] = None,
        allow_application_with_pending_proposals: Optional[bool] = None,
        worker_threads: Optional[int] = None,
        external_psks: Optional[Mapping[bytes, bytes]] = None,
    ) -> None:
        out = ffi.new("conclave_group_options**")
        check(lib.conclave_group_options_new(out))
        self._handle = ffi.gc(out[0], lib.conclave_group_options_free)
        self._callback = None
        if accept_any_credential:
            lib.conclave_group_options_accept_any_credential(self._handle)
        if credential_validator is not None:
            self._set_validator(credential_validator)
        setters = [
            (public_handshakes, lib.conclave_group_options_set_public_handshakes),
            (padding_block, lib.conclave_group_options_set_padding_block),
            (past_epochs_kept, lib.conclave_group_options_set_past_epochs_kept),
            (ratchet_tree_in_welcome, lib.conclave_group_options_set_ratchet_tree_in_welcome),
            (check_lifetimes, lib.conclave_group_options_set_check_lifetimes),
            (
                allow_application_with_pending_proposals,
                lib.conclave_group_options_set_allow_application_with_pending_proposals,
            ),
            (worker_threads, lib.conclave_group_options_set_worker_threads),
        ]
        for value, setter in setters:
            if value is not None:
                setter(self._handle, int(value))
        for psk_id, psk in (external_psks or {}).items():
            check(
                lib.conclave_group_options_add_external_psk(
                    self._handle, psk_id, len(psk_id), psk, len(psk)
                )
            )

    def _set_validator(self, validator: CredentialValidator) -> None:
        @ffi.callback(
            "int(void*, uint16_t, const uint8_t*, size_t, const uint8_t*, size_t)", onerror=lambda *_: 0
        )
        def trampoline(_user, credential_type, credential, credential_len, key, key_len):  # type: ignore[no-untyped-def]
            return int(
                bool(
                    validator(
                        int(credential_type),
                        bytes(ffi.buffer(credential, credential_len)),
                        bytes(ffi.buffer(key, key_len)),
                    )
                )
            )

        # The callback must live as long as any group made with these options.
        self._callback = trampoline
        lib.conclave_group_options_set_credential_validator(self._handle, trampoline, ffi.NULL)
