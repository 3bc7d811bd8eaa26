"""No network at run time, proven at the level of system calls: the whole pipeline runs under
`strace -f` (every thread and the summary model's process), as does `offrecord ask`, and any
socket traffic that is not a Unix socket or this machine's loopback (and no DNS query even to a
local resolver) fails the test. A Python-level socket block would miss native code, which is where the one leak found so
far (onnxruntime's telemetry lookups) came from."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml
from conftest import FAST
from library.recordings import publish_recording, transcript

from offrecord.stages.decode import decode

SOCKET_FAMILIES = {"AF_UNIX", "AF_INET", "AF_INET6"}  # an IP socket is judged by where it talks to
ADDRESSED = ("connect", "bind", "sendto", "sendmsg", "sendmmsg")
LOOPBACK = re.compile(r'^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$')


def strace_works() -> bool:
    if not shutil.which("strace"):
        return False
    return subprocess.run(["strace", "-f", "-e", "trace=%network", "-o", "/dev/null", "true"],
                          capture_output=True).returncode == 0


needs_strace = pytest.mark.skipif(not strace_works(), reason="strace is missing or cannot trace here "
                                  "(bash scripts/setup.sh --test installs it)")


def traced(cmd: list[str], log: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run `cmd` with every network system call of it and of its threads and children logged,
    each socket shown with its endpoints (-yy); program starts too, to show whom it followed."""
    return subprocess.run(["strace", "-f", "--seccomp-bpf", "-yy", "-s", "64", "-e", "trace=%network,execve",
                           "-o", str(log), *cmd], capture_output=True, text=True, **kwargs)


def leaks(log: Path) -> list[str]:
    """The logged calls that could reach beyond this machine."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        call = re.match(r"^\d+\s+(?:<\.\.\. )?(\w+)", line)
        if not call:
            continue
        name = call.group(1)
        if name == "socket":
            family = re.search(r"socket\((AF_\w+)", line)
            if family and family.group(1) not in SOCKET_FAMILIES:
                found.append(line)
            continue
        addresses = re.findall(r'(?:inet_addr|inet_pton\(AF_INET6?, )\("?([0-9a-fA-F.:]+)"', line)
        addresses += re.findall(r'<(?:TCP|UDP|TCPv6|UDPv6):\[[^\]]*->\[?([0-9a-fA-F.:]+?)\]?:\d+\]>', line)
        families = set(re.findall(r"sa_family=(AF_\w+)", line))
        dns = "htons(53)" in line or re.search(r"<(?:TCP|UDP)v?6?:\[[^\]]*->[^\]]*:53\]>", line)
        outside = [a for a in addresses if not LOOPBACK.match(a)]
        if (name in ADDRESSED or addresses) and (outside or dns or families - SOCKET_FAMILIES):
            found.append(line)
    return found


@needs_strace
def test_the_watch_catches_traffic_leaving_the_machine_and_allows_unix_sockets(tmp_path):
    """The negative controls: the same harness flags a connection to an outside address and a
    DNS lookup, and passes a process that only talks over a Unix socket pair and loopback."""
    outside = tmp_path / "outside.log"
    traced([sys.executable, "-c", "import socket; s = socket.socket(); s.settimeout(0.5); "
            "s.connect_ex(('192.0.2.1', 9))"], outside)
    assert any("192.0.2.1" in line for line in leaks(outside)), outside.read_text()

    lookup = tmp_path / "lookup.log"
    traced([sys.executable, "-c", "import socket\ntry: socket.getaddrinfo('offrecord-test.invalid', 80)\n"
            "except OSError: pass"], lookup)
    assert leaks(lookup), lookup.read_text()

    local = tmp_path / "local.log"
    traced([sys.executable, "-c", "import socket; a, b = socket.socketpair(); a.sendall(b'x'); b.recv(1); "
            "s = socket.socket(socket.AF_INET6); s.bind(('::1', 0))"], local)
    assert "socketpair" in local.read_text() and "::1" in local.read_text()
    assert leaks(local) == []


@needs_strace
@pytest.mark.slow
def test_whole_pipeline_makes_no_network_call(tmp_path, shared):
    """Transcription, diarization and the summary (in its own process) on 76 s of a real
    meeting: long enough for the telemetry that onnxruntime started about 15 s into a run."""
    meeting = decode(shared / "meeting-ami-es2004a/ES2004a-750-810.wav").samples
    speech = decode(shared / "speech/jfk/jfk.wav").samples
    recording = tmp_path / "meeting.wav"
    sf.write(recording, np.concatenate([meeting, speech, meeting[: 5 * 16000]]), 16000)
    config = tmp_path / "fast.yaml"
    config.write_text(yaml.safe_dump(FAST))
    log = tmp_path / "network.log"
    run = traced([sys.executable, "-m", "offrecord", "run", str(recording), "--out", str(tmp_path / "out"),
                  "--config", str(config)], log, timeout=600)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "out" / "meeting"
    assert (out / "summary.json").is_file() and (out / "speakers.rttm").read_text().strip()
    text = log.read_text()
    # strace followed the summary model's process, which talks to us over a Unix socket pair
    assert "socketpair(AF_UNIX" in text
    assert re.search(r"^\d+ +execve\(.*offrecord\.summary\.worker", text, re.MULTILINE), text[-3000:]
    assert leaks(log) == []


@needs_strace
def test_asking_the_library_makes_no_network_call(tmp_path):
    """`offrecord ask`: the library's search by words and by meaning, and the model (in its own
    process) answering from the passages found."""
    out = tmp_path / "out"
    publish_recording(out, "call", transcript(tmp_path / "call.wav", [
        ("A", 0.0, "Hi, this is Diane. I grew up in Chicago and live in New Jersey now."),
        ("B", 5.0, "I'm Sheila, and I moved to Texas ten years ago."),
    ], {"A": "Diane", "B": "Sheila"}))
    config = tmp_path / "fast.yaml"
    config.write_text(yaml.safe_dump(FAST))
    log = tmp_path / "network.log"
    run = traced([sys.executable, "-m", "offrecord", "ask", "Where does Diane live now?", "What is the budget?",
                  str(out), "--config", str(config)], log, timeout=600)
    assert run.returncode in (0, 1) and "offrecord: error" not in run.stderr, run.stderr
    text = log.read_text()
    assert "socketpair(AF_UNIX" in text
    assert re.search(r"^\d+ +execve\(.*offrecord\.summary\.worker", text, re.MULTILINE), text[-3000:]
    assert leaks(log) == []
