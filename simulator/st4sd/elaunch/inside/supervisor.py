"""Run one experiment instance under the real elaunch.py, and make sure nothing outlives it.

    python supervisor.py --parent-pid PID --death-fd FD --monitor-dir DIR --gateway-id GW
                         --grace SECONDS -- elaunch.py ARGS...

Started by the simulator in a session of its own. It
- becomes a child subreaper, so that whatever elaunch's components leave behind becomes its child;
- starts elaunch.py (the death of this process sends elaunch SIGTERM: PR_SET_PDEATHSIG);
- plays the datastore's reporter: the trigger files elaunch writes into --monitor-dir become
  documents in DIR/documents.jsonl (reporter.py), which the simulator loads into its datastore;
- stops on SIGTERM as a deleted Workflow's pod does (SIGTERM to elaunch, which records "Stopped";
  after --grace seconds SIGKILL), and at once on SIGUSR2;
- kills everything at once when the simulator dies, however it dies: the write end of the pipe
  --death-fd reads from is held by the simulator only, so EOF means it is gone (the parent pid
  changing is the second sign);
- exits with elaunch's exit code after killing every descendant left.
"""
from __future__ import annotations

import argparse
import ctypes
import os
import select
import signal
import subprocess
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
POLL = 0.1  # seconds between looks at elaunch, the parent and the trigger files


def _prctl(option: int, value: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


def _die_with_me() -> None:  # runs in the elaunch child between fork and exec
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.stop_at: float | None = None   # when a graceful stop turns into SIGKILL
        self.hard = threading.Event()
        self.proc: subprocess.Popen | None = None
        self.reporter = None

    # -------------------------------------------------------------- stopping
    def _on_term(self, signum, frame) -> None:
        if self.stop_at is None:
            self.stop_at = time.monotonic() + self.args.grace
            if self.proc is not None and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)

    def _on_hard(self, signum, frame) -> None:
        self.hard.set()

    def _watch_parent(self) -> None:
        """EOF on the death pipe: the simulator is gone."""
        fd = self.args.death_fd
        while True:
            readable, _, _ = select.select([fd], [], [])
            if readable and not os.read(fd, 1024):
                self.hard.set()
                return

    def _orphaned(self) -> bool:
        return os.getppid() != self.args.parent_pid

    @staticmethod
    def kill_descendants() -> None:
        import psutil

        for _ in range(5):  # children may fork while we kill: look again
            me = psutil.Process()
            left = [p for p in me.children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]
            for p in left:
                try:
                    p.kill()
                except psutil.NoSuchProcess:
                    pass
            while True:  # reap what was ours (we are the subreaper of orphans too)
                try:
                    pid, _ = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
            if not left:
                return
            time.sleep(0.05)

    # -------------------------------------------------------------- the run
    def run(self) -> int:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        if self._orphaned():
            return 137
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        signal.signal(signal.SIGUSR2, self._on_hard)
        threading.Thread(target=self._watch_parent, daemon=True).start()
        out = open(os.path.join(self.args.monitor_dir, "elaunch.log"), "ab")
        self.proc = subprocess.Popen(self.args.elaunch, stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, preexec_fn=_die_with_me,
                                     close_fds=True)
        if self.stop_at is not None:  # SIGTERM arrived before elaunch existed
            self.proc.send_signal(signal.SIGTERM)
        code = None
        while code is None:
            if self.hard.is_set() or self._orphaned():
                self.kill_descendants()
                return 137
            if self.stop_at is not None and time.monotonic() > self.stop_at:
                code = self.proc.poll()
                self.kill_descendants()
                code = -9 if code is None else code
                break
            self._report()
            code = self.proc.poll()
            if code is None:
                time.sleep(POLL)
        self._report()  # the last trigger (the final experiment document)
        self.kill_descendants()
        return code if code >= 0 else 128 - code

    def _report(self) -> None:
        try:
            if self.reporter is None:
                if not any(n.endswith(".json") for n in os.listdir(self.args.monitor_dir)):
                    return  # nothing to report yet: do not pay for importing the runtime
                import reporter

                self.reporter = reporter.Reporter(self.args.monitor_dir, self.args.gateway_id)
            self.reporter.poll()
        except Exception as exc:  # the datastore lags; the run goes on (as with the real reporter)
            sys.stderr.write(f"reporter: {exc!r}\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parent-pid", type=int, required=True)
    parser.add_argument("--death-fd", type=int, required=True)
    parser.add_argument("--monitor-dir", required=True)
    parser.add_argument("--gateway-id", required=True)
    parser.add_argument("--grace", type=float, default=10.0)
    parser.add_argument("elaunch", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.elaunch and args.elaunch[0] == "--":
        args.elaunch = args.elaunch[1:]
    sys.exit(Supervisor(args).run())


if __name__ == "__main__":
    main()
