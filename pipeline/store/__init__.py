"""Models: the manifest of those offrecord knows, and their weights assembled on this machine."""

from .store import ModelSpec, ModelStore, load_manifest

__all__ = ["ModelSpec", "ModelStore", "load_manifest"]
