#!/usr/bin/env python
"""Prompt and generation speed of the installed llama.cpp build, with a summary model.

Reads a real meeting transcript (AMI ES2011a from ../shared/data when present, else the words of
this script's sample repeated) as one prompt of about --prompt-tokens tokens, evaluates it and
generates --generate tokens, --runs times, and prints the medians with the library's system info.
To compare two builds, install each into its own folder and point PYTHONPATH at it:

    pip install --no-deps --target /tmp/llama-portable llama_cpp_python-...whl
    PYTHONPATH=/tmp/llama-portable .venv/bin/python scripts/bench_llama.py --runs 3

--steps 1 3 times instead one step of writing (the median of 12) for 1 and for 3 answers side by
side over the same prompt, as the summary writes them (pipeline/summary/decoding.py); --busy
keeps another process busy on one core meanwhile, as a user's other work would. Both run with
the OpenMP settings offrecord sets when imported (OMP_*/GOMP_* in the environment win).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import statistics
import sys
import time
from pathlib import Path

from offrecord.config import load_config
from offrecord.store import ModelStore

AMI = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "meeting-ami-es2011a" / "qmsum-ES2011a.json"
FALLBACK = ("Ann: We should ship the remote control before Christmas. Bob: I think the budget is far too "
            "small for that plan, and the case in rubber costs more than we thought. ")


def transcript_text() -> str:
    if not AMI.exists():
        return FALLBACK * 400
    turns = json.loads(AMI.read_text())["meeting_transcripts"]
    lines = ((t["speaker"], re.sub(r"\{\w+\}", "", t["content"]).strip()) for t in turns)
    return "\n".join(f"{speaker}: {text}" for speaker, text in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b-instruct")
    parser.add_argument("--prompt-tokens", type=int, default=3000)
    parser.add_argument("--generate", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--n-batch", type=int, default=512)
    parser.add_argument("--n-ubatch", type=int, default=512)
    parser.add_argument("--flash-attn", action="store_true", help="llama.cpp's flash attention (f16 cache)")
    parser.add_argument("--kv", choices=["f16", "f32", "q8_0"], default="f16", help="the cache's type (q8_0 needs --flash-attn)")
    parser.add_argument("--steps", type=int, nargs="+", metavar="ANSWERS", help="time a step of this many answers")
    parser.add_argument("--busy", action="store_true", help="another process keeps one core busy meanwhile")
    args = parser.parse_args()
    import llama_cpp  # after offrecord, which sets OpenMP's waiting before OpenMP starts
    args.kv_type = getattr(llama_cpp, f"GGML_TYPE_{args.kv.upper()}")

    cfg = load_config(None, {})
    gguf = ModelStore(cfg.models.store, cfg.models.paths).file(args.model, "model.gguf")
    busy = multiprocessing.Process(target=_spin, daemon=True) if args.busy else None
    if busy:
        busy.start()
    try:
        if args.steps:
            return _steps(llama_cpp, gguf, args)
        return _speeds(llama_cpp, gguf, args)
    finally:
        if busy:
            busy.terminate()


def _spin() -> None:
    while True:
        pass


def _steps(llama_cpp, gguf: Path, args) -> int:
    """One step of writing for each number of answers side by side, each in its own sequence
    after the shared prompt (the summary's decoder does the same)."""
    from offrecord.summary import native

    with native.llama_defaults(context={"n_seq_max": max(args.steps), "kv_unified": True}):
        llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=args.prompt_tokens + 64 * max(args.steps), n_threads=args.threads,
                              n_threads_batch=args.threads, n_batch=args.n_batch, n_ubatch=args.n_ubatch,
                              flash_attn=args.flash_attn, use_mmap=False, verbose=False,
                              type_k=args.kv_type, type_v=args.kv_type)
    memory = llama_cpp.llama_get_memory(llm.ctx)
    batch = llama_cpp.llama_batch_init(args.n_batch, 0, 1)
    tokens = _prompt(llm, args.prompt_tokens)

    def decode(entries: list[tuple[int, int, int]]) -> None:
        batch.n_tokens = len(entries)
        for i, (token, pos, seq) in enumerate(entries):
            batch.token[i], batch.pos[i], batch.n_seq_id[i], batch.seq_id[i][0], batch.logits[i] = token, pos, 1, seq, True
        if llama_cpp.llama_decode(llm.ctx, batch):
            raise RuntimeError("llama_decode failed")

    try:
        for i in range(0, len(tokens), args.n_batch):
            decode([(token, i + j, 0) for j, token in enumerate(tokens[i:i + args.n_batch])])
        for seq in range(1, max(args.steps)):
            llama_cpp.llama_memory_seq_cp(memory, 0, seq, 0, len(tokens))
        medians = {}
        for n in args.steps:
            took = []
            for k in range(12):
                started = time.perf_counter()
                decode([(tokens[k + seq], len(tokens) + k, seq) for seq in range(n)])
                took.append((time.perf_counter() - started) * 1000)
            for seq in range(n):
                llama_cpp.llama_memory_seq_rm(memory, seq, len(tokens), -1)
            medians[n] = round(statistics.median(took), 1)
            print(f"{n} answers: {medians[n]} ms a step, {medians[n] / n:.1f} ms a token", file=sys.stderr)
    finally:
        llama_cpp.llama_batch_free(batch)
        llm.close()
    print(json.dumps({"model": args.model, "threads": args.threads, "prompt_tokens": len(tokens), "busy": args.busy,
                      "step_ms_median_by_answers": medians}, indent=1))
    return 0


def _prompt(llm, n: int) -> list[int]:
    tokens = llm.tokenize(transcript_text().encode())
    # a prompt longer than the meeting reads it again: the cost of a long context is the point
    return (tokens * -(-n // len(tokens)))[:n]


def _speeds(llama_cpp, gguf: Path, args) -> int:
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=args.prompt_tokens + args.generate + 64, n_threads=args.threads,
                          n_threads_batch=args.threads, n_batch=args.n_batch, n_ubatch=args.n_ubatch, flash_attn=args.flash_attn,
                          type_k=args.kv_type, type_v=args.kv_type, verbose=False)
    tokens = _prompt(llm, args.prompt_tokens)
    prompt_speed, generate_speed = [], []
    for _ in range(args.runs):
        llm.reset()
        llama_cpp.llama_perf_context_reset(llm.ctx)
        started = time.perf_counter()
        for i, _token in enumerate(llm.generate(tokens, temp=0.0)):
            if i + 1 >= args.generate:
                break
        wall = time.perf_counter() - started
        perf = llama_cpp.llama_perf_context(llm.ctx)
        prompt_speed.append(perf.n_p_eval / perf.t_p_eval_ms * 1000)
        generate_speed.append(perf.n_eval / perf.t_eval_ms * 1000)
        print(f"run: prompt {perf.n_p_eval} tokens at {prompt_speed[-1]:.1f} tok/s, generated {perf.n_eval} at "
              f"{generate_speed[-1]:.1f} tok/s, {wall:.1f} s", file=sys.stderr)
    llm.close()
    print(json.dumps({
        "system_info": llama_cpp.llama_print_system_info().decode().strip(),
        "library": str(Path(llama_cpp.__file__).parent),
        "model": args.model, "threads": args.threads, "n_batch": args.n_batch, "n_ubatch": args.n_ubatch,
        "flash_attn": args.flash_attn,
        "prompt_tokens": len(tokens), "runs": args.runs, "busy": args.busy,
        "prompt_tokens_per_s_median": round(statistics.median(prompt_speed), 1),
        "generate_tokens_per_s_median": round(statistics.median(generate_speed), 1),
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
