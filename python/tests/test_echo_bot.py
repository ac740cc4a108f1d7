"""examples/python/echo_bot.py against a real conclave-ds ($CONCLAVE_DS, set by the build that
has it): Alice invites the bot, which joins by Welcome through the DS and echoes her message.
Without $CONCLAVE_DS the test skips (a build without the gRPC tools)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import conclave

BOT = Path(__file__).resolve().parents[2] / "examples" / "python" / "echo_bot.py"


def read_line(process: subprocess.Popen, prefix: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith(prefix):
            return line.strip()
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"no line starting with {prefix!r}; stderr: {process.stderr.read()}")


def test_echo_bot_joins_through_the_ds_and_echoes(tmp_path):
    server_binary = os.environ.get("CONCLAVE_DS")
    if not server_binary:
        pytest.skip("CONCLAVE_DS is not set: this build has no conclave-ds")
    ds = subprocess.Popen(
        [server_binary, "--db", str(tmp_path / "ds.sqlite"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    bot = None
    alice = None
    try:
        server = read_line(ds, "listening on ").split()[-1]
        bot = subprocess.Popen(
            [sys.executable, str(BOT), "--server", server, "--store", str(tmp_path / "bot.sqlite"),
             "--max-messages", "1"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
        )
        read_line(bot, "ready")
        provider = conclave.Provider()
        options = conclave.GroupOptions(accept_any_credential=True)
        alice = conclave.Client(
            provider, conclave.Store.memory(), conclave.Transport.grpc(server), "alice",
            group_options=options,
        )
        alice.register()
        group = alice.create_group(b"bot-room")
        assert alice.invite(group, ["echo-bot"]) == (1, 0)
        alice.send(group, b"hello bot")
        echoes: list[bytes] = []
        deadline = time.monotonic() + 90
        while not echoes and time.monotonic() < deadline:
            alice.wait(0.5)
            alice.sync()
            echoes += [
                e.data for e in alice.events()
                if e.kind == conclave.EventKind.MESSAGE_RECEIVED and e.member[0] == "echo-bot"
            ]
        assert echoes == [b"echo: hello bot"]
        assert bot.wait(timeout=60) == 0  # --max-messages 1: it stops after the echo
        assert [m.user for m in alice.members(group)] == ["alice", "echo-bot"]
    finally:
        if alice is not None:
            alice.close()  # ends its Subscribe stream, which the server's shutdown waits for
        for process in (bot, ds):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
