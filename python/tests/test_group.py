"""A three-member group end to end through the Python package: the Group API (RFC 9420 §11,
§12.4, §12.4.3.1, §6.3, §8.5, §8.7) and the Client API over an in-process Delivery Service
(RFC 9750 §5)."""

from __future__ import annotations

import conclave
from conclave import ApplicationMessage, Group, Identity, KeyPackage, Proposal, StagedCommit


def test_three_members_agree_through_the_group_api(provider, options):
    alice, bob, carol = (Identity.generate(provider, n) for n in ("alice", "bob", "carol"))
    kp_bob, kp_carol = KeyPackage.create(provider, bob), KeyPackage.create(provider, carol)
    a = Group.create(provider, alice, options, group_id=b"book-club")
    assert a.epoch == 0 and a.group_id == b"book-club"

    out = a.commit(add=[kp_bob.message, kp_carol.message])
    pending = a.pending_commit()
    assert pending is not None and [identity for _, identity in pending.added] == [b"bob", b"carol"]
    a.merge_pending_commit()
    b = Group.join(provider, bob, kp_bob, out.welcome, options)
    c = Group.join(provider, carol, kp_carol, out.welcome, options)
    assert a.epoch_authenticator == b.epoch_authenticator == c.epoch_authenticator

    # §6.3: messages both ways.
    message = a.protect(b"hello", aad=b"meta")
    for receiver in (b, c):
        got = receiver.process(message)
        assert isinstance(got, ApplicationMessage)
        assert (got.data, got.authenticated_data, got.sender) == (b"hello", b"meta", 0)

    # §12.1.2, §12.4: Bob proposes an update, Carol commits it by reference.
    proposal = b.propose_update()
    for receiver in (a, c):
        assert isinstance(receiver.process(proposal), Proposal)
    out = c.commit()
    c.merge_pending_commit()
    for receiver in (a, b):
        staged = receiver.process(out.commit)
        assert isinstance(staged, StagedCommit) and staged.updated_count == 1
        receiver.merge(staged)
    assert a.epoch_authenticator == b.epoch_authenticator == c.epoch_authenticator

    # §12.1.3: Alice removes Carol, who learns it.
    out = a.commit(remove=[c.own_leaf])
    a.merge_pending_commit()
    b.merge(b.process(out.commit))
    staged = c.process(out.commit)
    assert staged.removes_me and staged.removed == [(2, b"carol")]
    c.merge(staged)
    assert not c.active
    assert a.epoch == b.epoch == 3 and a.epoch_authenticator == b.epoch_authenticator
    assert a.export_secret("label", b"ctx", 16) == b.export_secret("label", b"ctx", 16)
    assert [(m.leaf, m.user, m.is_self) for m in b.members()] == [(0, "alice", False), (1, "bob", True)]

    # §12.4.3.2: Carol returns by external commit.
    c2, commit = Group.join_external(provider, carol, a.group_info(), options)
    for receiver in (a, b):
        staged = receiver.process(commit)
        assert staged.external
        receiver.merge(staged)
    assert a.epoch_authenticator == b.epoch_authenticator == c2.epoch_authenticator

    # close(): the state is freed (and wiped) at once, not at the next collection.
    with c2:
        assert c2.active
    assert c2._handle is None
    c.close()
    c.close()  # twice is harmless


def test_three_clients_through_an_in_process_delivery_service(provider, options):
    ds = conclave.DeliveryService()

    def device(user: str) -> conclave.Client:
        client = conclave.Client(
            provider, conclave.Store.memory(), ds.connect(), user, group_options=options,
            key_package_stock=2,
        )
        client.register()
        return client

    alice, bob, carol = device("alice"), device("bob"), device("carol")
    group = alice.create_group(b"club")
    assert alice.invite(group, ["bob", "carol"]) == (2, 0)
    for client in (bob, carol):
        client.sync()
        assert conclave.EventKind.GROUP_JOINED in [e.kind for e in client.events()]
    alice.send(group, b"hello")
    assert bob.sync().messages == 1
    received = [e for e in bob.events() if e.kind == conclave.EventKind.MESSAGE_RECEIVED]
    assert [(e.data, e.member[0]) for e in received] == [(b"hello", "alice")]
    seen: list[list[tuple[int, bytes]]] = []
    bob.set_commit_filter(lambda group_id, staged: seen.append(staged.removed) or True)
    bob.update(group)
    alice.remove(group, ["carol"])  # loses the epoch race first, then commits again
    for client in (alice, bob, carol):
        client.sync()
    assert seen == [[(2, b"carol")]]  # §12.4.2: Bob inspected the removal before merging it
    assert not carol.has_group(group)
    assert alice.epoch_authenticator(group) == bob.epoch_authenticator(group)
    assert alice.epoch(group) == bob.epoch(group) == ds.epoch(group)
    assert [(m.user, m.device) for m in alice.members(group)] == [("alice", "main"), ("bob", "main")]
    assert alice.group(group).epoch == alice.epoch(group)

    # A refused commit leaves Bob at his epoch, with an event saying so.
    bob.set_commit_filter(lambda group_id, staged: False)
    alice.update(group)
    bob.sync()
    assert conclave.EventKind.COMMIT_VETOED in [e.kind for e in bob.events()]
    assert bob.epoch(group) == alice.epoch(group) - 1
