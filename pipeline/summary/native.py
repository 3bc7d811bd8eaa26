"""The llama.cpp library as it was built, held against this CPU; and what llama-cpp-python's
Llama does not offer: a model loaded with other defaults, a vocabulary without its weights.

scripts/setup.sh compiles only instruction sets this CPU lists and never AMX. A llama-cpp-python
built another way may not fit: a plain `pip install` compiles with -march=native, which on a
Xeon with AMX turns on kernels that segfault on the first prompt (llama.cpp issue 20824); a
library copied from another machine may use instructions this CPU lacks (SIGILL).
"""

from __future__ import annotations

import contextlib
import logging
import re

# llama.cpp's name for a compiled-in feature -> the /proc/cpuinfo flags it needs
NEEDS = {
    "SSE3": {"pni"}, "SSSE3": {"ssse3"}, "AVX": {"avx"}, "AVX2": {"avx2"}, "F16C": {"f16c"}, "FMA": {"fma"},
    "BMI2": {"bmi2"}, "AVX_VNNI": {"avx_vnni"}, "AVX512": {"avx512f"}, "AVX512_VBMI": {"avx512vbmi"},
    "AVX512_VNNI": {"avx512_vnni"}, "AVX512_BF16": {"avx512_bf16"}, "AMX_INT8": {"amx_int8"},
}


def compiled_features(system_info: str) -> set[str]:
    """'CPU : AVX = 1 | AVX2 = 1 | ...' (llama_print_system_info) -> {'AVX', 'AVX2', ...}"""
    return {name for name, value in re.findall(r"(\w+) = (\d+)", system_info) if value != "0"}


def cpu_flags(cpuinfo: str) -> set[str]:
    """The first 'flags' line of /proc/cpuinfo (x86); empty elsewhere."""
    found = re.search(r"^flags\s*:(.*)$", cpuinfo, re.M)
    return set(found[1].split()) if found else set()


def missing(features: set[str], flags: set[str]) -> list[str]:
    """Compiled-in instruction sets this CPU does not have (nothing is known without flags)."""
    if not flags:
        return []
    return sorted(name for name in features if name in NEEDS and not NEEDS[name] <= flags)


def amx_kernels_would_run(features: set[str], flags: set[str]) -> bool:
    return "AMX_INT8" in features and "amx_int8" in flags


@contextlib.contextmanager
def llama_defaults(model: dict | None = None, context: dict | None = None):
    """Loads a model with some of llama.cpp's default parameters changed, which
    llama-cpp-python's Llama has no argument for: `model={"use_extra_bufts": False}` turns off
    ggml's weight repacking, which feeds the AMX kernels; `context={"n_seq_max": 3,
    "kv_unified": True}` lets three answers be written side by side over one cached prompt."""
    import llama_cpp.llama_cpp as lib

    changes = {"llama_model_default_params": model or {}, "llama_context_default_params": context or {}}
    saved = {name: getattr(lib, name) for name in changes}

    def changed(name: str):
        def params():
            p = saved[name]()
            for field, value in changes[name].items():
                setattr(p, field, value)
            return p
        return params

    for name in changes:
        setattr(lib, name, changed(name))
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(lib, name, function)


def this_machine() -> tuple[set[str], set[str]]:
    """(features compiled into the installed llama.cpp, this CPU's flags)"""
    import llama_cpp

    try:
        with open("/proc/cpuinfo") as f:
            flags = cpu_flags(f.read())
    except OSError:
        flags = set()
    return compiled_features(llama_cpp.llama_print_system_info().decode()), flags


class Vocabulary:
    """A model's vocabulary alone, without its weights or a context: it counts a text's tokens
    before the model is loaded at the context those tokens need (0.3 s against 1.6 s)."""

    def __init__(self, gguf: str):
        import llama_cpp

        params = llama_cpp.llama_model_default_params()
        params.vocab_only = True
        # llama-cpp-python passes on llama.cpp's log at this logger's level: loading a model prints
        # some 80 lines, and Llama(verbose=False) hides them all while it loads, as here
        log = logging.getLogger("llama-cpp-python")
        level = log.level
        log.setLevel(logging.CRITICAL + 1)
        try:
            self.model = llama_cpp.llama_model_load_from_file(gguf.encode(), params)
        finally:
            log.setLevel(level)
        if not self.model:
            raise ValueError(f"llama.cpp cannot read {gguf} as a model")
        self.vocab = llama_cpp.llama_model_get_vocab(self.model)

    def count(self, text: str) -> int:
        """Its tokens as the prompt reads them (no start token, special tokens as text)."""
        import llama_cpp

        data = text.encode("utf-8")
        # with no room for tokens, llama.cpp answers minus the number it would have written
        return -llama_cpp.llama_tokenize(self.vocab, data, len(data), None, 0, False, False)

    def close(self) -> None:
        import llama_cpp

        if self.model:
            llama_cpp.llama_model_free(self.model)
            self.model = None
