"""Group: one member's state in one MLS group (RFC 9420 §11-§12): create, join, propose,
commit, process, merge, protect, export, persist."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Union

from ._ffi import ffi, lib
from .errors import Closable, borrowed, check, take_bytes, text
from .keys import GroupOptions, Identity, KeyPackage, KeyPackageStore, Provider, Store


def _out_bytes() -> tuple[Any, Any]:
    return ffi.new("uint8_t**"), ffi.new("size_t*")


def _opt(data: Optional[bytes]) -> tuple[Any, int]:
    return (ffi.NULL, 0) if data is None else (data, len(data))


@dataclass(frozen=True)
class CommitOutput:
    """What Group.commit() produces for the Delivery Service (MLSMessages)."""

    commit: bytes  #: for every member
    welcome: Optional[bytes]  #: for the added members
    ratchet_tree: Optional[bytes]  #: the new tree, when the Welcome leaves it out
    group_info: Optional[bytes]  #: the new epoch's GroupInfo


@dataclass(frozen=True)
class ApplicationMessage:
    """Decrypted application data (RFC 9420 §6.3)."""

    sender: int  #: the sender's leaf
    epoch: int  #: the epoch it was sent in
    data: bytes
    authenticated_data: bytes


@dataclass(frozen=True)
class Proposal:
    """A verified proposal, kept by the group for the epoch's commit (§12.1)."""

    sender: int  #: the proposer's leaf (0xFFFFFFFF for a sender outside the group)
    ref: bytes  #: its ProposalRef


@dataclass(frozen=True)
class Member:
    """A member of a group."""

    leaf: int
    user: str  #: a basic credential's identity
    device: str  #: the client's device name ("" when unknown)
    signature_key: bytes
    is_self: bool


@dataclass
class StagedCommit:
    """A verified commit not applied yet (§12.4.2): inspect it, then Group.merge() it."""

    committer: int
    new_epoch: int
    added: list[tuple[int, bytes]]  #: (leaf, basic identity) of each added member
    removed: list[tuple[int, bytes]]  #: (leaf, basic identity) of each removed member
    updated_count: int
    has_path: bool
    external: bool
    removes_me: bool
    reinit: bool
    _handle: Any = field(repr=False, compare=False, default=None)
    _owner: Any = field(repr=False, compare=False, default=None)

    @classmethod
    def _of(cls, handle: Any, owner: Any) -> "StagedCommit":
        identity, length = ffi.new("uint8_t**"), ffi.new("size_t*")

        def entries(count: Any, get: Any) -> list[tuple[int, bytes]]:
            out = []
            for i in range(count(handle)):
                leaf = get(handle, i, identity, length)
                out.append((int(leaf), bytes(ffi.buffer(identity[0], length[0]))))
            return out

        return cls(
            committer=int(lib.conclave_staged_commit_committer(handle)),
            new_epoch=int(lib.conclave_staged_commit_new_epoch(handle)),
            added=entries(lib.conclave_staged_commit_added_count, lib.conclave_staged_commit_added),
            removed=entries(
                lib.conclave_staged_commit_removed_count, lib.conclave_staged_commit_removed
            ),
            updated_count=int(lib.conclave_staged_commit_updated_count(handle)),
            has_path=bool(lib.conclave_staged_commit_has_path(handle)),
            external=bool(lib.conclave_staged_commit_external(handle)),
            removes_me=bool(lib.conclave_staged_commit_removes_me(handle)),
            reinit=bool(lib.conclave_staged_commit_reinit(handle)),
            _handle=handle,
            _owner=owner,
        )

    @property
    def epoch_authenticator(self) -> bytes:
        """The new epoch's authenticator (§8.7); empty when the commit removes this member."""
        out, length = _out_bytes()
        check(lib.conclave_staged_commit_epoch_authenticator(self._handle, out, length))
        return take_bytes(out, length)


ProcessResult = Union[ApplicationMessage, Proposal, StagedCommit]


def members_of(handle: Any) -> list[Member]:
    """The entries of a conclave_members snapshot, which is freed."""
    handle = ffi.gc(handle, lib.conclave_members_free)
    length = ffi.new("size_t*")
    out = []
    for i in range(lib.conclave_members_count(handle)):
        out.append(
            Member(
                leaf=int(lib.conclave_members_leaf(handle, i)),
                user=text(lib.conclave_members_user(handle, i)),
                device=text(lib.conclave_members_device(handle, i)),
                signature_key=borrowed(lib.conclave_members_signature_key(handle, i, length), length)
                or b"",
                is_self=bool(lib.conclave_members_is_self(handle, i)),
            )
        )
    return out


class Group(Closable):
    """One member's state in one group. Use from one thread at a time.

    Nothing changes it until an input is verified in full: process() returns a StagedCommit
    that merge() applies; a rejected message raises ConclaveError and leaves it as it was."""

    def __init__(self, handle: Any, options: Optional[GroupOptions]) -> None:
        self._handle = ffi.gc(handle, lib.conclave_group_free)
        self._options = options  # keeps a Python credential validator alive

    # --- making a group ---
    @classmethod
    def create(
        cls, provider: Provider, identity: Identity, options: GroupOptions, group_id: bytes = b""
    ) -> "Group":
        """§11: a one-member group at epoch 0 (an empty id becomes a random one)."""
        out = ffi.new("conclave_group**")
        check(
            lib.conclave_group_create(
                provider._handle, identity._handle, group_id, len(group_id), options._handle, out
            )
        )
        return cls(out[0], options)

    @classmethod
    def join(
        cls, provider: Provider, identity: Identity, key_package: KeyPackage, welcome: bytes,
        options: GroupOptions, ratchet_tree: Optional[bytes] = None,
    ) -> "Group":
        """§12.4.3.1: joins with the Welcome addressed to `key_package`."""
        out = ffi.new("conclave_group**")
        tree, tree_len = _opt(ratchet_tree)
        check(
            lib.conclave_group_join(
                provider._handle, identity._handle, key_package._handle, welcome, len(welcome),
                tree, tree_len, options._handle, out,
            )
        )
        return cls(out[0], options)

    @classmethod
    def join_from_store(
        cls, provider: Provider, identity: Identity, store: KeyPackageStore, welcome: bytes,
        options: GroupOptions, ratchet_tree: Optional[bytes] = None,
    ) -> "Group":
        """join() with the bundle of `store` the Welcome is addressed to (consumed)."""
        out = ffi.new("conclave_group**")
        tree, tree_len = _opt(ratchet_tree)
        check(
            lib.conclave_group_join_from_store(
                provider._handle, identity._handle, store._handle, welcome, len(welcome), tree,
                tree_len, options._handle, out,
            )
        )
        return cls(out[0], options)

    @classmethod
    def join_external(
        cls, provider: Provider, identity: Identity, group_info: bytes, options: GroupOptions,
        ratchet_tree: Optional[bytes] = None,
    ) -> tuple["Group", bytes]:
        """§12.4.3.2: joins by external commit; returns the group and the commit to send."""
        out = ffi.new("conclave_group**")
        commit, commit_len = _out_bytes()
        tree, tree_len = _opt(ratchet_tree)
        check(
            lib.conclave_group_join_external(
                provider._handle, identity._handle, group_info, len(group_info), tree, tree_len,
                options._handle, out, commit, commit_len,
            )
        )
        group = cls(out[0], options)
        return group, take_bytes(commit, commit_len)

    @classmethod
    def load(
        cls, provider: Provider, store: Store, group_id: bytes, options: GroupOptions
    ) -> "Group":
        """The group as stored in `store`, attached to it."""
        out = ffi.new("conclave_group**")
        check(
            lib.conclave_group_load(
                provider._handle, store._handle, group_id, len(group_id), options._handle, out
            )
        )
        return cls(out[0], options)

    @classmethod
    def deserialize(cls, provider: Provider, state: bytes, options: GroupOptions) -> "Group":
        """The group serialize() wrote."""
        out = ffi.new("conclave_group**")
        check(
            lib.conclave_group_deserialize(
                provider._handle, state, len(state), options._handle, out
            )
        )
        return cls(out[0], options)

    def attach_storage(self, store: Store) -> None:
        """Writes the state to `store` and keeps it attached: every change is stored before
        the call that makes it returns."""
        check(lib.conclave_group_attach_storage(self._handle, store._handle))

    def serialize(self) -> bytes:
        """The versioned binary state; it holds private keys."""
        out, length = _out_bytes()
        check(lib.conclave_group_serialize(self._handle, out, length))
        return take_bytes(out, length)

    # --- state ---
    @property
    def epoch(self) -> int:
        """The current epoch."""
        return int(lib.conclave_group_epoch(self._handle))

    @property
    def cipher_suite(self) -> int:
        """The group's cipher suite."""
        return int(lib.conclave_group_cipher_suite(self._handle))

    @property
    def own_leaf(self) -> int:
        """This member's leaf."""
        return int(lib.conclave_group_own_leaf(self._handle))

    @property
    def active(self) -> bool:
        """False once this member was removed."""
        return bool(lib.conclave_group_active(self._handle))

    @property
    def group_id(self) -> bytes:
        """The group id."""
        out, length = _out_bytes()
        check(lib.conclave_group_id(self._handle, out, length))
        return take_bytes(out, length)

    @property
    def epoch_authenticator(self) -> bytes:
        """§8.7: the epoch authenticator."""
        out, length = _out_bytes()
        check(lib.conclave_group_epoch_authenticator(self._handle, out, length))
        return take_bytes(out, length)

    def export_secret(self, label: str, context: bytes, length: int) -> bytes:
        """§8.5: MLS-Exporter(label, context, length)."""
        out, out_len = _out_bytes()
        check(
            lib.conclave_group_export_secret(
                self._handle, label.encode(), context, len(context), length, out, out_len
            )
        )
        return take_bytes(out, out_len)

    def group_info(self, with_ratchet_tree: bool = True) -> bytes:
        """§12.4.3: a signed GroupInfo (an MLSMessage) of the current epoch."""
        out, length = _out_bytes()
        check(lib.conclave_group_group_info(self._handle, int(with_ratchet_tree), out, length))
        return take_bytes(out, length)

    def members(self) -> list[Member]:
        """The members in leaf order."""
        out = ffi.new("conclave_members**")
        check(lib.conclave_group_members(self._handle, out))
        return members_of(out[0])

    @property
    def pending_proposal_count(self) -> int:
        """Proposals received this epoch and not committed yet."""
        return int(lib.conclave_group_pending_proposal_count(self._handle))

    # --- proposals and commits ---
    def propose_add(self, key_package: bytes) -> bytes:
        """§12.1.1: a proposal to add the client of `key_package` (an MLSMessage)."""
        out, length = _out_bytes()
        check(lib.conclave_group_propose_add(self._handle, key_package, len(key_package), out, length))
        return take_bytes(out, length)

    def propose_remove(self, leaf: int) -> bytes:
        """§12.1.3: a proposal to remove the member at `leaf`."""
        out, length = _out_bytes()
        check(lib.conclave_group_propose_remove(self._handle, leaf, out, length))
        return take_bytes(out, length)

    def propose_update(self) -> bytes:
        """§12.1.2: a proposal of a fresh leaf key for this member."""
        out, length = _out_bytes()
        check(lib.conclave_group_propose_update(self._handle, out, length))
        return take_bytes(out, length)

    def commit(
        self,
        add: Iterable[bytes] = (),
        remove: Iterable[int] = (),
        *,
        include_pending_proposals: bool = True,
        force_path: bool = False,
        ratchet_tree_in_welcome: Optional[bool] = None,
        authenticated_data: bytes = b"",
    ) -> CommitOutput:
        """§12.4: commits the received proposals plus Adds of `add` (KeyPackage MLSMessages)
        and Removes of `remove` (leaves). Send it, then merge_pending_commit() once the
        Delivery Service accepted it (or discard_pending_commit())."""
        options_out = ffi.new("conclave_commit_options**")
        check(lib.conclave_commit_options_new(options_out))
        options = ffi.gc(options_out[0], lib.conclave_commit_options_free)
        for key_package in add:
            check(lib.conclave_commit_options_add(options, key_package, len(key_package)))
        for leaf in remove:
            check(lib.conclave_commit_options_remove(options, leaf))
        lib.conclave_commit_options_set_include_pending_proposals(options, int(include_pending_proposals))
        lib.conclave_commit_options_set_force_path(options, int(force_path))
        lib.conclave_commit_options_set_ratchet_tree_in_welcome(
            options, -1 if ratchet_tree_in_welcome is None else int(ratchet_tree_in_welcome)
        )
        check(
            lib.conclave_commit_options_set_authenticated_data(
                options, authenticated_data, len(authenticated_data)
            )
        )
        out = ffi.new("conclave_commit_output**")
        check(lib.conclave_group_commit(self._handle, options, out))
        handle = ffi.gc(out[0], lib.conclave_commit_output_free)
        length = ffi.new("size_t*")

        def get(accessor: Any) -> Optional[bytes]:
            return borrowed(accessor(handle, length), length)

        return CommitOutput(
            commit=get(lib.conclave_commit_output_commit) or b"",
            welcome=get(lib.conclave_commit_output_welcome),
            ratchet_tree=get(lib.conclave_commit_output_ratchet_tree),
            group_info=get(lib.conclave_commit_output_group_info),
        )

    @property
    def has_pending_commit(self) -> bool:
        """True between commit() and its merge or discard."""
        return bool(lib.conclave_group_has_pending_commit(self._handle))

    def pending_commit(self) -> Optional[StagedCommit]:
        """The pending commit as the members will stage it, or None."""
        out = ffi.new("conclave_staged_commit**")
        check(lib.conclave_group_pending_commit(self._handle, out))
        if out[0] == ffi.NULL:
            return None
        handle = ffi.gc(out[0], lib.conclave_staged_commit_free)
        return StagedCommit._of(handle, handle)

    def merge_pending_commit(self) -> None:
        """Moves the group to the pending commit's epoch."""
        check(lib.conclave_group_merge_pending_commit(self._handle))

    def discard_pending_commit(self) -> None:
        """Drops the pending commit."""
        check(lib.conclave_group_discard_pending_commit(self._handle))

    # --- messages ---
    def protect(self, data: bytes, aad: bytes = b"") -> bytes:
        """§6.3: encrypts application data as a PrivateMessage (an MLSMessage)."""
        out, length = _out_bytes()
        check(lib.conclave_group_protect(self._handle, data, len(data), aad, len(aad), out, length))
        return take_bytes(out, length)

    def process(self, message: bytes) -> ProcessResult:
        """Verifies a message and returns what it carries: an ApplicationMessage, a Proposal
        or a StagedCommit (which changes nothing until merge())."""
        out = ffi.new("conclave_processed**")
        check(lib.conclave_group_process(self._handle, message, len(message), out))
        handle = ffi.gc(out[0], lib.conclave_processed_free)
        kind = lib.conclave_processed_kind_of(handle)
        sender = int(lib.conclave_processed_sender(handle))
        length = ffi.new("size_t*")
        if kind == lib.CONCLAVE_PROCESSED_APPLICATION:
            data = borrowed(lib.conclave_processed_data(handle, length), length) or b""
            aad = borrowed(lib.conclave_processed_authenticated_data(handle, length), length) or b""
            return ApplicationMessage(sender, int(lib.conclave_processed_epoch(handle)), data, aad)
        if kind == lib.CONCLAVE_PROCESSED_PROPOSAL:
            ref = borrowed(lib.conclave_processed_proposal_ref(handle, length), length) or b""
            return Proposal(sender, ref)
        return StagedCommit._of(lib.conclave_processed_staged_commit(handle), handle)

    def merge(self, staged: StagedCommit) -> None:
        """Applies a staged commit this group staged."""
        check(lib.conclave_group_merge(self._handle, staged._handle))


@dataclass(frozen=True)
class WelcomeInfo:
    """What inspect_welcome() found: the group and epoch a Welcome invites to."""

    group_id: bytes
    epoch: int


def inspect_welcome(
    provider: Provider, key_package: bytes, init_private_key: bytes, welcome: bytes,
    signer_key: Optional[bytes] = None,
) -> WelcomeInfo:
    """§12.4.3.1 up to the GroupInfo, without joining: decrypts `welcome` with the init key of
    `key_package` (an MLSMessage), checks the GroupInfo's signature by `signer_key` (when
    given) and its confirmation tag."""
    out, length = _out_bytes()
    epoch = ffi.new("uint64_t*")
    signer, signer_len = _opt(signer_key)
    check(
        lib.conclave_welcome_inspect(
            provider._handle, key_package, len(key_package), init_private_key,
            len(init_private_key), welcome, len(welcome), signer, signer_len, out, length, epoch,
        )
    )
    return WelcomeInfo(take_bytes(out, length), int(epoch[0]))
