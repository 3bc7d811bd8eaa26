"""Sentence embeddings for search by meaning: WordLlama, a static model (a token embedding table
averaged over the passage), run by the wordllama package from the files in the model store.

Chosen over the other models that PyPI packages carry (all-mpnet-base-v2, and nomic-embed-text
inside the gpt4all packages) because it costs nothing next to a run: the four ES2011 meetings,
about two hours of speech, embed in 0.3 s, where nomic-embed-text run by llama.cpp took 41 s.
scripts/evaluate_search.py measures what it adds to keyword search.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np

from ..config import Config
from ..errors import CHECK_MODEL, ModelMissingError
from ..store import ModelStore

log = logging.getLogger("offrecord.library")


class Embedder:
    def __init__(self, name: str, folder: Path):
        from safetensors import safe_open
        from tokenizers import Tokenizer

        # Importing wordllama calls logging.basicConfig(level=INFO): undone, so that what is
        # logged stays the application's choice (by default: no library chatter).
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        from wordllama.inference import WordLlamaInference

        root.handlers[:], root.level = handlers, level

        with safe_open(str(folder / "l2_supercat_256.safetensors"), framework="np") as f:
            table = f.get_tensor("embedding.weight")
        self.name = name
        self._model = WordLlamaInference(table, Tokenizer.from_file(str(folder / "tokenizer.json")))

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors, one row per text (a zero row for a text with no tokens)."""
        if not texts:
            return np.zeros((0, self._model.embedding.shape[1]), dtype=np.float32)
        vectors = self._model.embed(texts)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def embedder_for(cfg: Config) -> Embedder | None:
    """The configured model, or None (search by words only) when it is switched off or not
    installed; the latter is logged with the command that installs it."""
    name = cfg.library.meaning_model
    if not name:
        return None
    try:
        folder = ModelStore(cfg.models.store, cfg.models.paths).path(name)
        return _load(name, folder)
    except ModelMissingError as e:
        log.warning("search by meaning is off: %s", e)
    except Exception as e:  # a damaged file: words alone still find things
        log.warning("search by meaning is off: cannot load '%s' (%s); %s", name, e, CHECK_MODEL)
    return None


@functools.lru_cache(maxsize=2)
def _load(name: str, folder: Path) -> Embedder:
    # kept: a watcher or a batch run updates the library after every recording
    return Embedder(name, folder)
