"""Background processes the sandbox starts: PID file, log file, stop by PID (never by name)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from jenkinsctl.errors import SandboxError

_CHILDREN: dict[int, subprocess.Popen] = {}  # started by this process: reaped on stop


@dataclass
class ManagedProcess:
    """A process the sandbox started, known by its PID file. `marker` must appear in the
    process's command line, so a recycled PID is never mistaken for ours."""

    name: str
    state_dir: Path
    marker: str

    @property
    def pidfile(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    @property
    def logfile(self) -> Path:
        return self.state_dir / f"{self.name}.log"

    def pid(self) -> int | None:
        """The PID of our running process, or None (a stale PID file is removed)."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        if _alive(pid) and (pid in _CHILDREN or self.marker in _cmdline(pid)):
            return pid
        self.pidfile.unlink(missing_ok=True)
        return None

    def start(self, argv: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> int:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.logfile, "ab") as log:
            try:
                proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=dict(env) if env is not None else None, cwd=cwd,
                                        start_new_session=True)
            except OSError as exc:
                raise SandboxError(f"cannot start {self.name} ({argv[0]}): {exc.strerror}",
                                   "run scripts/setup to install what the sandbox needs") from exc
        _CHILDREN[proc.pid] = proc
        self.pidfile.write_text(f"{proc.pid}\n")
        return proc.pid

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait for `ready()`; fail with the log's tail if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if self.pid() is None:
                raise SandboxError(f"{self.name} exited before {what}:\n{self.log_tail()}",
                                   f"full log: {self.logfile}")
            time.sleep(0.1)
        raise SandboxError(f"{self.name} did not become ready ({what}) within {timeout:.0f}s:\n{self.log_tail()}",
                           f"full log: {self.logfile}")

    def stop(self, timeout: float = 15.0) -> bool:
        """SIGTERM our process (then SIGKILL after `timeout`); True if one was running."""
        pid = self.pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.05)
        self.pidfile.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.logfile.read_text(errors="replace").splitlines()
        except OSError:
            return "  (no log)"
        return "\n".join("  " + line for line in text[-lines:])


def _alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:  # our own child: reap it so it does not linger as a zombie
        if child.poll() is not None:
            _CHILDREN.pop(pid, None)
            return False
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
