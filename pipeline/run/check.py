"""Mistakes caught in a second, before any audio is decoded: every model the settings name (of
the right kind, installed), the summary template, and the language code, each with a "did you
mean" from the right list.

Without this a typo in `--template` or `--llm-model` surfaced only after transcription and
diarization had run, minutes into a long recording.
"""

from __future__ import annotations

import difflib
import functools
import json
import locale
from pathlib import Path

from ..config import Config
from ..errors import ConfigError
from ..store import ModelStore
from ..summary.templates import Template, load_template

KINDS = {"asr": "speech recognition", "segmentation": "speaker segmentation", "embedding": "speaker embedding",
         "llm": "summary"}
MULTILINGUAL_VOCABULARY = 51865  # Whisper's English-only models have one token fewer


def check_settings(cfg: Config, store: ModelStore) -> None:
    """Raises a ConfigError (one line) for the first thing that cannot work."""
    check_model(store, cfg.asr.model, "asr", "--asr-model")
    if cfg.diarization.enabled:
        check_model(store, cfg.diarization.segmentation_model, "segmentation", "diarization.segmentation_model")
        check_model(store, cfg.diarization.embedding_model, "embedding", "diarization.embedding_model")
    if cfg.summary.enabled:
        check_model(store, cfg.summary.model, "llm", "--llm-model")
        summary_template(cfg.summary.template)
    if cfg.asr.language is not None:
        check_language(cfg.asr.language, cfg.asr.model, store)


@functools.cache
def summary_template(name_or_path: str) -> Template:
    """The summary template, read once per process: the settings check, each recording's summary
    (and its stage-cache key) and a watch's job key all use the one read first, however often
    they ask, so a template file edited mid-batch cannot give one batch two templates."""
    return load_template(name_or_path)


def check_model(store: ModelStore, name: str, kind: str, option: str) -> None:
    if name in store.overrides:
        store.path(name)  # the configured path must exist
        return
    spec = store.specs.get(name)
    same_kind = sorted(n for n, s in store.specs.items() if s.kind == kind)
    if spec is None:
        raise ConfigError(f"{option}: unknown {KINDS[kind]} model '{name}'{_did_you_mean(name, same_kind)} "
                          f"({KINDS[kind]} models: {', '.join(same_kind)}; `offrecord models list` shows all)")
    if spec.kind != kind:
        raise ConfigError(f"{option}: '{name}' is a {KINDS[spec.kind]} model, not a {KINDS[kind]} model "
                          f"({KINDS[kind]} models: {', '.join(same_kind)})")
    store.path(name)  # installed, or the command that installs it


def check_language(code: str, asr_model: str, store: ModelStore) -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES  # the codes Whisper knows

    if code not in _LANGUAGE_CODES:
        named = locale.locale_alias.get(code.lower(), "").split("_")[0].split(".")[0]
        hint = f"; did you mean {named}?" if named in _LANGUAGE_CODES else _did_you_mean(code, sorted(_LANGUAGE_CODES))
        raise ConfigError(f"--language: unknown language code '{code}'{hint} (a code such as en, de, fr, es, ja)")
    if code != "en" and english_only(store.path(asr_model)):
        raise ConfigError(f"--language {code}: {asr_model} only knows English; choose a multilingual model "
                          "(--asr-model whisper-base) or leave --language out")


def english_only(model_dir: Path) -> bool:
    """Whisper's English-only models (*.en) have a vocabulary one token short of the multilingual ones."""
    for name in ("vocabulary.txt", "vocabulary.json"):
        path = Path(model_dir) / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            size = len(json.loads(text)) if name.endswith(".json") else len(text.splitlines())
            return size < MULTILINGUAL_VOCABULARY
    return False


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.5)
    return f"; did you mean {close[0]}?" if close else ""
