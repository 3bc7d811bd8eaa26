"""The recording inside report.html (--embed-audio): Opus in Ogg, as a data: URI, so the page
plays wherever it goes. Speech at 24 kbit/s is about 10 MB an hour, encoded at about 1% of the
recording's length."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from ..data import Audio

BITRATE = 24_000
_SRC = re.compile(r'<audio id="player"[^>]* src="(data:[^"]*)"')


def data_uri(audio: Audio) -> str:
    import av  # here: reading the list of output formats (every command's settings) needs no codec

    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=audio.sample_rate, layout="mono")
        stream.bit_rate = BITRATE
        for i in range(0, len(audio.samples), audio.sample_rate):
            frame = av.AudioFrame.from_ndarray(audio.samples[None, i:i + audio.sample_rate], format="flt", layout="mono")
            frame.sample_rate = audio.sample_rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return "data:audio/ogg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def embedded_in(report: Path) -> str | None:
    """The recording a report already carries, so a rewrite of the page (summarize, rename) keeps it."""
    try:
        found = _SRC.search(report.read_text(encoding="utf-8"))
    except OSError:
        return None
    return found[1] if found else None
