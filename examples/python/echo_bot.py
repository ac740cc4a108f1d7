#!/usr/bin/env python3
"""A bot that joins every group it is invited to through a conclave-ds and echoes each message
back ("echo: <text>"), on the Python package over the C API (docs/python.md).

    build/bin/conclave-ds --db ./ds.sqlite --port 7000 &
    CONCLAVE_LIBRARY=build/lib/libconclave.so.0 PYTHONPATH=python \\
        python3 examples/python/echo_bot.py --server 127.0.0.1:7000 --store ./bot.sqlite

It prints "ready" once registered, then one line per group joined and message echoed. Its
state is in --store: stopped and started again, it carries on in the same groups.
"""

from __future__ import annotations

import argparse
import signal
import sys

import conclave


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", required=True, help="conclave-ds address, HOST:PORT")
    parser.add_argument("--store", required=True, help="the bot's SQLite store")
    parser.add_argument("--user", default="echo-bot", help="the bot's user name")
    parser.add_argument("--max-messages", type=int, default=0, help="stop after echoing this many")
    args = parser.parse_args()

    provider = conclave.Provider()
    # A demo: every credential is accepted. A real bot checks each member's credential with
    # its Authentication Service (RFC 9420 §5.3.1).
    options = conclave.GroupOptions(accept_any_credential=True)
    bot = conclave.Client(
        provider, conclave.Store.sqlite(args.store, provider), conclave.Transport.grpc(args.server),
        args.user, group_options=options,
    )
    bot.register()
    print("ready", flush=True)

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        bot.interrupt()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    echoed = 0
    while not stopping:
        bot.sync()
        for event in bot.events():
            if event.kind == conclave.EventKind.GROUP_JOINED:
                print(f"joined {event.group_id.hex()} (invited by {event.by[0]})", flush=True)
            elif event.kind == conclave.EventKind.MESSAGE_RECEIVED and event.data is not None:
                bot.send(event.group_id, b"echo: " + event.data)
                echoed += 1
                print(f"echoed {len(event.data)} bytes to {event.member[0]}", flush=True)
        if args.max_messages and echoed >= args.max_messages:
            break
        bot.wait(1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
