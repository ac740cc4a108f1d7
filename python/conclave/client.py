"""Client: one device of one user on a store and a transport to the Delivery Service (RFC 9750):
registration, KeyPackages, create/invite/remove/leave/update/send/sync and events."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

from ._ffi import ffi, lib
from .errors import Closable, borrowed, check, take_bytes, text
from .group import Group, Member, StagedCommit, members_of
from .keys import GroupOptions, Identity, Provider, Store, bytes_list


class DeliveryService:
    """A Delivery Service inside this process, for tests and single-process applications."""

    def __init__(self) -> None:
        out = ffi.new("conclave_delivery_service**")
        check(lib.conclave_delivery_service_new(out))
        self._handle = ffi.gc(out[0], lib.conclave_delivery_service_free)

    def connect(self) -> "Transport":
        """A transport to this service for one client."""
        out = ffi.new("conclave_transport**")
        check(lib.conclave_delivery_service_connect(self._handle, out))
        return Transport(out[0])

    def epoch(self, group_id: bytes) -> int:
        """The group's epoch at the service."""
        out = ffi.new("uint64_t*")
        check(lib.conclave_delivery_service_epoch(self._handle, group_id, len(group_id), out))
        return int(out[0])


class Transport:
    """How a client reaches the Delivery Service."""

    def __init__(self, handle: Any) -> None:
        self._handle = ffi.gc(handle, lib.conclave_transport_free)

    @classmethod
    def grpc(cls, address: str, timeout_ms: int = 0) -> "Transport":
        """gRPC to the conclave-ds at `address` ("127.0.0.1:7000")."""
        out = ffi.new("conclave_transport**")
        check(lib.conclave_transport_new_grpc(address.encode(), timeout_ms, out))
        return cls(out[0])


class EventKind(enum.IntEnum):
    """What an Event reports."""

    MESSAGE_RECEIVED = 1
    MEMBER_ADDED = 2
    MEMBER_REMOVED = 3
    GROUP_JOINED = 4
    REMOVED_FROM_GROUP = 5
    EPOCH_CHANGED = 6
    MESSAGE_REJECTED = 7
    COMMIT_VETOED = 8


@dataclass(frozen=True)
class Event:
    """Something that happened in a group."""

    kind: EventKind
    group_id: bytes
    epoch: int
    member: tuple[str, str]  #: (user, device): the sender, or the device added or removed
    by: tuple[str, str]  #: (user, device) whose commit or Welcome made the change
    data: Optional[bytes]  #: a received message's data
    error: int  #: a rejected message's status
    detail: str


@dataclass(frozen=True)
class SyncResult:
    """What Client.sync() handled."""

    entries: int
    messages: int
    commits: int


class Client(Closable):
    """One device of one user. Every change is in its store before the call returns, so a new
    process that opens the same store carries on. Use from one thread at a time; wait() and
    interrupt() may run on another thread."""

    def __init__(
        self,
        provider: Provider,
        store: Store,
        transport: Transport,
        user: str,
        *,
        group_options: GroupOptions,
        device: str = "main",
        cipher_suite: Optional[int] = None,
        identity: Optional[Identity] = None,
        key_package_stock: Optional[int] = None,
        allow_external_join: Optional[bool] = None,
        update_interval: Optional[int] = None,
        commit_received_proposals: Optional[bool] = None,
    ) -> None:
        """Opens the client kept in `store`, creating its identity the first time."""
        out = ffi.new("conclave_client_options**")
        check(lib.conclave_client_options_new(out))
        options = ffi.gc(out[0], lib.conclave_client_options_free)
        check(lib.conclave_client_options_set_user(options, user.encode()))
        check(lib.conclave_client_options_set_device(options, device.encode()))
        lib.conclave_client_options_set_group_options(options, group_options._handle)
        if cipher_suite is not None:
            lib.conclave_client_options_set_cipher_suite(options, cipher_suite)
        if identity is not None:
            lib.conclave_client_options_set_identity(options, identity._handle)
        if key_package_stock is not None:
            lib.conclave_client_options_set_key_package_stock(options, key_package_stock)
        if allow_external_join is not None:
            lib.conclave_client_options_set_allow_external_join(options, int(allow_external_join))
        if update_interval is not None:
            lib.conclave_client_options_set_update_interval(options, update_interval)
        if commit_received_proposals is not None:
            lib.conclave_client_options_set_commit_received_proposals(
                options, int(commit_received_proposals)
            )
        client = ffi.new("conclave_client**")
        check(lib.conclave_client_open(provider._handle, store._handle, transport._handle, options, client))
        self._handle = ffi.gc(client[0], lib.conclave_client_free)
        self._group_options = group_options

    @property
    def user(self) -> str:
        """This device's user."""
        return text(lib.conclave_client_user(self._handle))

    @property
    def device(self) -> str:
        """This device's name."""
        return text(lib.conclave_client_device(self._handle))

    def identity(self) -> Identity:
        """A copy of this device's identity."""
        out = ffi.new("conclave_identity**")
        check(lib.conclave_client_identity(self._handle, out))
        return Identity(out[0])

    def register(self) -> None:
        """Registers this device with the Authentication Service and publishes KeyPackages."""
        check(lib.conclave_client_register(self._handle))

    def replenish_key_packages(self) -> int:
        """Publishes KeyPackages when the stock runs low; returns how many."""
        out = ffi.new("size_t*")
        check(lib.conclave_client_replenish_key_packages(self._handle, out))
        return int(out[0])

    def create_group(self, group_id: bytes = b"") -> bytes:
        """Creates a group (an empty id: a random one); returns its id."""
        out, length = ffi.new("uint8_t**"), ffi.new("size_t*")
        check(lib.conclave_client_create_group(self._handle, group_id, len(group_id), out, length))
        return take_bytes(out, length)

    @staticmethod
    def _users(users: Iterable[str]) -> tuple[Any, list[Any]]:
        keep = [ffi.new("char[]", u.encode()) for u in users]
        return ffi.new("const char*[]", keep), keep

    def invite(self, group_id: bytes, users: Iterable[str]) -> tuple[int, int]:
        """Adds every device of `users` in one commit; returns (devices added, skipped)."""
        array, keep = self._users(users)
        added, skipped = ffi.new("size_t*"), ffi.new("size_t*")
        check(
            lib.conclave_client_invite(
                self._handle, group_id, len(group_id), array, len(keep), added, skipped
            )
        )
        return int(added[0]), int(skipped[0])

    def remove(self, group_id: bytes, users: Iterable[str]) -> None:
        """Removes every device of `users` in one commit."""
        array, keep = self._users(users)
        check(lib.conclave_client_remove(self._handle, group_id, len(group_id), array, len(keep)))

    def leave(self, group_id: bytes) -> None:
        """Asks to leave (a proposal another member commits)."""
        check(lib.conclave_client_leave(self._handle, group_id, len(group_id)))

    def update(self, group_id: bytes) -> None:
        """Commits new keys for this member."""
        check(lib.conclave_client_update(self._handle, group_id, len(group_id)))

    def send(self, group_id: bytes, data: bytes) -> None:
        """Encrypts and sends an application message."""
        check(lib.conclave_client_send(self._handle, group_id, len(group_id), data, len(data)))

    def sync(self) -> SyncResult:
        """Handles this device's queue: Welcomes, commits, messages."""
        counts = [ffi.new("size_t*") for _ in range(3)]
        check(lib.conclave_client_sync(self._handle, *counts))
        return SyncResult(*(int(c[0]) for c in counts))

    def wait(self, timeout: float) -> None:
        """Blocks until new entries may wait, `timeout` seconds pass or interrupt()."""
        check(lib.conclave_client_wait(self._handle, int(timeout * 1000)))

    def interrupt(self) -> None:
        """Ends a wait() in progress on another thread."""
        check(lib.conclave_client_interrupt(self._handle))

    def join_external(self, group_id: bytes) -> None:
        """Joins by external commit from the service's GroupInfo."""
        check(lib.conclave_client_join_external(self._handle, group_id, len(group_id)))

    def groups(self) -> list[bytes]:
        """The groups this client is a member of."""
        out = ffi.new("conclave_bytes_list**")
        check(lib.conclave_client_groups(self._handle, out))
        return bytes_list(out[0])

    def has_group(self, group_id: bytes) -> bool:
        """Whether the client holds the group."""
        return bool(lib.conclave_client_has_group(self._handle, group_id, len(group_id)))

    def members(self, group_id: bytes) -> list[Member]:
        """The group's members with user and device names."""
        out = ffi.new("conclave_members**")
        check(lib.conclave_client_members(self._handle, group_id, len(group_id), out))
        return members_of(out[0])

    def epoch(self, group_id: bytes) -> int:
        """The group's current epoch."""
        out = ffi.new("uint64_t*")
        check(lib.conclave_client_epoch(self._handle, group_id, len(group_id), out))
        return int(out[0])

    def epoch_authenticator(self, group_id: bytes) -> bytes:
        """§8.7: the group's epoch authenticator."""
        out, length = ffi.new("uint8_t**"), ffi.new("size_t*")
        check(lib.conclave_client_epoch_authenticator(self._handle, group_id, len(group_id), out, length))
        return take_bytes(out, length)

    def export_secret(self, group_id: bytes, label: str, context: bytes, length: int) -> bytes:
        """§8.5: MLS-Exporter of the group's current epoch."""
        out, out_len = ffi.new("uint8_t**"), ffi.new("size_t*")
        check(
            lib.conclave_client_export_secret(
                self._handle, group_id, len(group_id), label.encode(), context, len(context),
                length, out, out_len,
            )
        )
        return take_bytes(out, out_len)

    def group(self, group_id: bytes) -> Group:
        """A detached copy of the group's state, for what the client does not cover."""
        out = ffi.new("conclave_group**")
        check(lib.conclave_client_group(self._handle, group_id, len(group_id), out))
        return Group(out[0], self._group_options)

    def set_commit_filter(self, accept: Optional[Callable[[bytes, StagedCommit], bool]]) -> None:
        """Calls `accept(group_id, staged)` with every received commit before it is merged;
        False refuses it (EventKind.COMMIT_VETOED: the group stays at its epoch). The
        StagedCommit is usable during the call only; an exception counts as a refusal. None
        removes the filter."""
        if accept is None:
            lib.conclave_client_set_commit_filter(self._handle, ffi.NULL, ffi.NULL)
            self._commit_filter = None
            return

        @ffi.callback(
            "int(void*, const uint8_t*, size_t, const conclave_staged_commit*)",
            onerror=lambda *_: 0,
        )
        def trampoline(_user, group_id, group_id_len, handle):  # type: ignore[no-untyped-def]
            staged = StagedCommit._of(handle, None)
            try:
                return int(bool(accept(bytes(ffi.buffer(group_id, group_id_len)), staged)))
            finally:
                staged._handle = None  # the handle lives only during the call

        self._commit_filter = trampoline  # kept alive as long as the client uses it
        lib.conclave_client_set_commit_filter(self._handle, trampoline, ffi.NULL)

    def next_event(self) -> Optional[Event]:
        """The oldest event not taken yet, or None."""
        out = ffi.new("conclave_event**")
        check(lib.conclave_client_next_event(self._handle, out))
        if out[0] == ffi.NULL:
            return None
        e = ffi.gc(out[0], lib.conclave_event_free)
        length = ffi.new("size_t*")
        return Event(
            kind=EventKind(lib.conclave_event_kind_of(e)),
            group_id=borrowed(lib.conclave_event_group_id(e, length), length) or b"",
            epoch=int(lib.conclave_event_epoch(e)),
            member=(text(lib.conclave_event_member_user(e)), text(lib.conclave_event_member_device(e))),
            by=(text(lib.conclave_event_by_user(e)), text(lib.conclave_event_by_device(e))),
            data=borrowed(lib.conclave_event_data(e, length), length),
            error=int(lib.conclave_event_error(e)),
            detail=text(lib.conclave_event_detail(e)),
        )

    def events(self) -> list[Event]:
        """Every event not taken yet, oldest first."""
        out = []
        while (event := self.next_event()) is not None:
            out.append(event)
        return out
