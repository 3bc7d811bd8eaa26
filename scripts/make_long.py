#!/usr/bin/env python
"""Write a long test recording by concatenating real recordings from ../shared/data.

    .venv/bin/python scripts/make_long.py OUT.wav --minutes 240

Used for the memory and speed measurements on long inputs; written in pieces, so making it
needs little memory. 16 kHz mono 16-bit WAV (a 4-hour file is 460 MB). `--speech-share 0.5`
follows each clip with as much silence: the same length to decode and diarize, half the speech
to recognise.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from offrecord.stages.decode import SAMPLE_RATE, decode

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SOURCES = ["meeting-ami-es2004a/ES2004a-750-810.wav", "speech/jfk/jfk.wav",
           "meeting-ami-es2011a/ES2011a.Headset-0-40s-46s.wav"] + \
          [f"speech/librivox/sense_and_sensibility_01_austen_64kb-0{n}.wav" for n in (870, 890, 920)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--speech-share", type=float, default=1.0,
                        help="share of the recording that is speech; silence fills the rest, after each clip")
    parser.add_argument("--first", type=int, default=0,
                        help="start with this source: files of a batch that begin differently share no prompt prefix")
    args = parser.parse_args()
    order = SOURCES[args.first % len(SOURCES):] + SOURCES[:args.first % len(SOURCES)]
    clips = [decode(DATA / rel).samples for rel in order]
    target = int(args.minutes * 60 * SAMPLE_RATE)
    written = 0
    with sf.SoundFile(args.out, "w", samplerate=SAMPLE_RATE, channels=1, subtype="PCM_16") as f:
        for clip in itertools.cycle(clips):
            silence = np.zeros(int(len(clip) * (1 / args.speech_share - 1)), np.float32)
            for part in (clip, silence):
                piece = part[: target - written]
                f.write(piece)
                written += len(piece)
            if written >= target:
                break
    print(f"{args.out}: {written / SAMPLE_RATE / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
