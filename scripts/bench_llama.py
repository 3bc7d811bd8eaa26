#!/usr/bin/env python
"""Prompt and generation speed of the installed llama.cpp build, with a summary model.

Reads a real meeting transcript (AMI ES2011a from ../shared/data when present, else the words of
this script's sample repeated) as one prompt of about --prompt-tokens tokens, evaluates it and
generates --generate tokens, --runs times, and prints the medians with the library's system info.
To compare two builds, install each into its own folder and point PYTHONPATH at it:

    pip install --no-deps --target /tmp/llama-portable llama_cpp_python-...whl
    PYTHONPATH=/tmp/llama-portable .venv/bin/python scripts/bench_llama.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import llama_cpp

from pipeline.config import load_config
from pipeline.store import ModelStore

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
    args = parser.parse_args()

    cfg = load_config(None, {})
    gguf = ModelStore(cfg.models.store, cfg.models.paths).file(args.model, "model.gguf")
    llm = llama_cpp.Llama(model_path=str(gguf), n_ctx=args.prompt_tokens + args.generate + 64, n_threads=args.threads,
                          n_threads_batch=args.threads, n_batch=args.n_batch, n_ubatch=args.n_ubatch, flash_attn=args.flash_attn,
                          verbose=False)
    text = transcript_text()
    tokens = llm.tokenize(text.encode())
    # a prompt longer than the meeting reads it again: the cost of a long context is the point
    tokens = (tokens * -(-args.prompt_tokens // len(tokens)))[: args.prompt_tokens]
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
        "prompt_tokens": len(tokens), "runs": args.runs,
        "prompt_tokens_per_s_median": round(statistics.median(prompt_speed), 1),
        "generate_tokens_per_s_median": round(statistics.median(generate_speed), 1),
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
