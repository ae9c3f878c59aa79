"""`python -m jenkinsctl.devkit.jenkins_fake --port N`: serve the fake Jenkins until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from jenkinsctl.devkit.jenkins_fake import FakeJenkins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jenkinsctl.devkit.jenkins_fake", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--user", help="require basic auth with this user...")
    parser.add_argument("--token", help="...and this API token")
    parser.add_argument("--node", action="append", default=[], metavar="NAME:LABELS:EXECUTORS",
                        help="add an agent node, e.g. agent-1:docker,linux:2 (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if bool(args.user) != bool(args.token):
        parser.error("--user and --token go together")
    fake = FakeJenkins(args.host, args.port, {args.user: args.token} if args.user else None, verbose=args.verbose)
    for spec in args.node:
        name, _, rest = spec.partition(":")
        labels, _, executors = rest.partition(":")
        fake.add_node(name, labels.replace(",", " "), int(executors or 1))
    fake.start()
    print(f"fake Jenkins listening on {fake.url}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
