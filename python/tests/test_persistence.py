"""Persistence across a process restart (DESIGN.md, Storage): a first process makes a group of
two on SQLite stores and exits; a second opens the stores and carries on; a third checks the
one-time KeyPackage is gone. Each step is a fresh interpreter (subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

STEP = textwrap.dedent(
    """
    import sys
    import conclave
    from conclave import Group, GroupOptions, Identity, KeyPackage, KeyPackageStore, Store

    folder, step = sys.argv[1], sys.argv[2]
    provider = conclave.Provider()
    options = GroupOptions(accept_any_credential=True)
    key = bytes(range(32))
    alice_store = Store.sqlite(folder + "/alice.sqlite", provider, key)
    bob_store = Store.sqlite(folder + "/bob.sqlite", provider)
    if step == "create":
        alice = Identity.generate(provider, "alice")
        bob = Identity.generate(provider, "bob")
        alice.save(alice_store, "me")
        bob.save(bob_store, "me")
        bob_packages = KeyPackageStore(provider, bob_store)
        kp = KeyPackage.create(provider, bob)
        bob_packages.add(kp)
        group = Group.create(provider, alice, options, group_id=b"persistent")
        group.attach_storage(alice_store)
        out = group.commit(add=[kp.message])
        group.merge_pending_commit()
        # Joined from a stored KeyPackageStore, the group is stored with it (one transaction).
        Group.join_from_store(provider, bob, bob_packages, out.welcome, options)
        assert len(bob_packages) == 0
        print(group.epoch_authenticator.hex())
    elif step == "continue":
        assert Identity.load(alice_store, "me").name == b"alice"
        assert alice_store.groups() == [b"persistent"] == bob_store.groups()
        alice = Group.load(provider, alice_store, b"persistent", options)
        bob = Group.load(provider, bob_store, b"persistent", options)
        got = bob.process(alice.protect(b"after a restart"))
        assert got.data == b"after a restart"
        out = bob.commit()
        bob.merge_pending_commit()
        alice.merge(alice.process(out.commit))
        print(alice.epoch_authenticator.hex(), bob.epoch_authenticator.hex(), alice.epoch)
    else:
        alice = Group.load(provider, alice_store, b"persistent", options)
        bob = Group.load(provider, bob_store, b"persistent", options)
        print(alice.epoch_authenticator.hex(), bob.epoch_authenticator.hex(), alice.epoch)
        assert len(KeyPackageStore(provider, bob_store)) == 0
    """
)


def run(folder: Path, step: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", STEP, str(folder), step],
        capture_output=True, text=True, env=dict(os.environ), timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_groups_survive_a_process_restart(tmp_path):
    (created,) = run(tmp_path, "create")
    alice, bob, epoch = run(tmp_path, "continue")
    assert alice == bob and alice != created and epoch == "2"
    assert run(tmp_path, "check") == [alice, bob, "2"]
