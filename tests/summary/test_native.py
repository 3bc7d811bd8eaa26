"""The llama.cpp library as installed, against this CPU: no AMX kernels (they segfault on CPUs
that have AMX, llama.cpp issue 20824), no instruction set this CPU lacks."""

from __future__ import annotations

import logging

import llama_cpp

from offrecord.config import load_config
from offrecord.run.models import Models
from offrecord.store import ModelStore
from offrecord.summary import native

SAPPHIRE_RAPIDS = "flags\t\t: fpu pni ssse3 sse4_2 avx avx2 fma f16c bmi2 avx512f avx512_vnni amx_bf16 amx_tile amx_int8\n"
NATIVE_ON_IT = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | AVX512 = 1 | AVX512_VNNI = 1 | AMX_INT8 = 1 |"


def test_installed_library_has_no_amx_kernels_and_fits_this_cpu():
    info = llama_cpp.llama_print_system_info().decode()
    print(info)  # in the test log, for the record
    features, flags = native.this_machine()
    assert "AVX2" in features or not flags, info  # the build is not the bare minimum on x86
    assert not any(name.startswith("AMX") for name in features), info
    assert native.missing(features, flags) == [], info


def test_a_native_build_on_an_amx_cpu_is_recognised():
    features, flags = native.compiled_features(NATIVE_ON_IT), native.cpu_flags(SAPPHIRE_RAPIDS)
    assert native.amx_kernels_would_run(features, flags)
    assert native.missing(features, flags) == []
    laptop = native.cpu_flags("flags : fpu pni ssse3 sse4_2 avx avx2 fma f16c bmi2\n")
    assert not native.amx_kernels_would_run(features, laptop)
    assert native.missing(features, laptop) == ["AMX_INT8", "AVX512", "AVX512_VNNI"]


def test_a_model_loads_and_answers_without_weight_repacking_and_with_several_sequences():
    cfg = load_config(None, {})
    gguf = Models(cfg, ModelStore()).store.file("qwen2.5-coder-0.5b-instruct", "model.gguf")
    with native.llama_defaults({"use_extra_bufts": False}, {"n_seq_max": 3, "kv_unified": True}):
        llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=256, n_threads=2, verbose=False)
    try:
        assert llm.model_params.use_extra_bufts is False
        assert llama_cpp.llama_n_seq_max(llm.ctx) == 3
        # restored afterwards
        assert llama_cpp.llama_model_default_params().use_extra_bufts is True
        assert llama_cpp.llama_context_default_params().n_seq_max == 1
        assert llm.create_completion("The capital of France is", max_tokens=3, temperature=0)["choices"][0]["text"]
    finally:
        llm.close()


def test_a_vocabulary_alone_counts_tokens_as_the_model_does_and_refuses_a_file_that_is_no_model(tmp_path, capfd):
    gguf = str(ModelStore().file("qwen2.5-coder-0.5b-instruct", "model.gguf"))
    # as in a fresh process: any Llama(verbose=False) loaded before would have quieted the log already
    log = logging.getLogger("llama-cpp-python")
    level = log.level
    log.setLevel(logging.NOTSET)
    try:
        vocabulary = native.Vocabulary(gguf)
    finally:
        log.setLevel(level)
    assert not capfd.readouterr().err  # loaded as quietly as Llama(verbose=False) loads
    llm = llama_cpp.Llama(model_path=gguf, vocab_only=True, verbose=False)
    try:
        for text in ("", "Ann: the rubber case, 12.5 euros <|im_end|>\nBob: ünïcode"):
            assert vocabulary.count(text) == len(llm.tokenize(text.encode(), add_bos=False))
    finally:
        llm.close()
        vocabulary.close()
        vocabulary.close()  # closing twice is harmless
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"GGUF" + bytes(60))
    try:
        native.Vocabulary(str(fake))
    except ValueError as e:
        assert str(fake) in str(e)
    else:
        raise AssertionError("a file that is no model was read as one")
