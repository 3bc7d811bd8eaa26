"""Voice profiles: a speaker embedding per enrolled person, kept on this machine only.

`offrecord speakers enroll NAME clip.wav` stores the voice of the main speaker in the clip;
later recordings name a speaker after an enrolled person when their voices are close enough.
Embeddings are averaged over every clip enrolled for a name.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..outputs.files import write_atomic


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


class VoiceBook:
    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.voices: dict = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.voices = {}
        except ValueError:
            raise ConfigError(f"{self.path}: the voice profiles file is damaged; remove it and enrol again") from None

    def enroll(self, name: str, embedding, clip: str) -> None:
        entry = self.voices.setdefault(name, {"clips": [], "sum": None})
        unit = _unit(embedding)
        entry["sum"] = (unit if entry["sum"] is None else np.asarray(entry["sum"]) + unit).tolist()
        entry["clips"].append({"clip": clip, "enrolled": time.strftime("%Y-%m-%dT%H:%M:%S")})
        self._save()

    def forget(self, name: str) -> bool:
        found = self.voices.pop(name, None) is not None
        if found:
            self._save()
        return found

    def _save(self) -> None:
        write_atomic(self.path, json.dumps(self.voices, indent=1))

    def match(self, centroids: dict[str, list[float]], threshold: float) -> dict[str, str]:
        """Speaker id -> enrolled name, one-to-one, best pairs first, cosine similarity >= threshold."""
        pairs = []
        for spk, centroid in centroids.items():
            c = _unit(centroid)
            for name, entry in self.voices.items():
                pairs.append((float(c @ _unit(entry["sum"])), spk, name))
        named: dict[str, str] = {}
        for similarity, spk, name in sorted(pairs, reverse=True):
            if similarity < threshold:
                break
            if spk not in named and name not in named.values():
                named[spk] = name
        return named
