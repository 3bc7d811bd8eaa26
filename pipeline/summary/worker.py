"""The summary model in a process of its own.

llama.cpp is native code: a segfault, an abort or the kernel's OOM killer there would take the
whole run with it, the transcript included. So it runs in a child process that loads the model
once and summarises every transcript it is sent (and answers `offrecord ask`'s questions about a
library's passages: `complete`). If the child dies, the caller gets a
SummaryCrashed naming the signal (the transcript is already on disk by then), and the next
recording starts a new child. The child ignores Ctrl-C, SIGTERM and SIGHUP (a terminal and
systemd send them to every process of the command): the parent decides when it stops, and kills it when it
is itself interrupted mid-summary. The child leaves no core dump (one would hold the transcript).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Callable

from ..config import SummaryConfig
from ..data import Summary, Transcript
from ..errors import ModelMissingError, OffrecordError, SummaryCrashed
from .templates import Template

# Tests only: OFFRECORD_FAULT=summary:segv (or :abort, :error) makes the child fail in the way a
# native crash would, at the moment the model would start on a transcript.
FAULT = "OFFRECORD_FAULT"
log = logging.getLogger("offrecord.summary")


class SummaryWorker:
    """Summarizer's interface (`summarize`, `complete`, `usage`), served by a child process."""

    def __init__(self, gguf: Path, cfg: SummaryConfig, threads: int):
        self.gguf, self.cfg, self.threads = Path(gguf), cfg, threads
        self.usage: dict = {}
        self._proc: subprocess.Popen | None = None
        self._conn: Connection | None = None

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        args = [sys.executable, "-m", "offrecord.summary.worker", str(theirs.fileno()), str(self.gguf),
                self.cfg.model_dump_json(), str(self.threads)]
        self._proc = subprocess.Popen(args, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        theirs.close()
        self._conn = Connection(ours.detach())
        reply = self._receive()
        if reply[0] == "error":
            self.close()
            raise ModelMissingError(f"cannot load the summary model ({reply[2]}); "
                                    "check it with `offrecord models verify`")

    def summarize(self, transcript: Transcript, template: Template,
                  progress: Callable[[int, int], None] | None = None) -> Summary:
        summary = Summary.from_dict(self._request(("summarize", transcript.to_dict(), template.model_dump()), progress))
        # what the model proposed and why each sentence was kept or dropped: the transcript's
        # words, shown only to a user who asks for detail (-v)
        for v in self.usage.get("verdicts", []):
            log.info("%s %r: %s", "kept" if v["kept"] else "dropped", v["text"], v["reason"])
        return summary

    def complete(self, system: str, asks: list[tuple[str, dict, int]]) -> list[dict]:
        """Summarizer.complete's answers: prompts about something other than one transcript."""
        return self._request(("complete", system, asks))

    def _request(self, request: tuple, progress: Callable[[int, int], None] | None = None):
        try:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            self._conn.send(request)
            while True:
                reply = self._receive()
                if reply[0] == "progress":
                    if progress:
                        progress(*reply[1:])
                elif reply[0] == "done":
                    self.usage = reply[2]
                    return reply[1]
                elif reply[1] == "offrecord":
                    raise OffrecordError(reply[2])
                else:
                    raise OffrecordError(f"unexpected failure ({reply[2]})")
        except KeyboardInterrupt:  # Ctrl-C, SIGTERM or SIGHUP: the answer would never be read
            self._kill()
            raise

    def _receive(self) -> tuple:
        try:
            return self._conn.recv()
        except (EOFError, OSError):
            code = self._proc.wait()
            self._proc = None
            raise SummaryCrashed(-code if code < 0 else None, code) from None

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._conn.send(("stop",))
                self._proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._kill()
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()


def _serve(conn: Connection, gguf: str, cfg: SummaryConfig, threads: int) -> None:
    try:
        from .summarize import Summarizer

        summarizer = Summarizer(Path(gguf), cfg, threads)
    except Exception as e:  # a damaged or incompatible model file
        conn.send(("error", "load", str(e)))
        return
    conn.send(("ready",))
    try:
        while True:
            try:
                request = conn.recv()
            except EOFError:  # the parent is gone
                return
            if request[0] == "stop":
                return
            try:
                _fault()
                if request[0] == "complete":
                    result = summarizer.complete(*request[1:])
                else:
                    _, transcript, template = request
                    result = summarizer.summarize(Transcript.from_dict(transcript), Template.model_validate(template),
                                                  progress=lambda done, total: conn.send(("progress", done, total))
                                                  ).to_dict()
            except OffrecordError as e:
                conn.send(("error", "offrecord", str(e)))
            except Exception as e:
                conn.send(("error", "unexpected", f"{type(e).__name__}: {e}"))
            else:
                conn.send(("done", result, summarizer.usage))
    finally:
        summarizer.close()


def _fault() -> None:
    fault = os.environ.get(FAULT, "")
    if fault == "summary:segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif fault == "summary:abort":
        os.abort()
    elif fault == "summary:error":
        raise RuntimeError("injected failure")


def main(argv: list[str]) -> None:
    import resource

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    fd, gguf, cfg, threads = argv
    try:
        _serve(Connection(int(fd)), gguf, SummaryConfig.model_validate(json.loads(cfg)), int(threads))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent is gone (killed mid-summary): nobody is left to tell


if __name__ == "__main__":
    main(sys.argv[1:])
