
import pytest
import yaml
from conftest import ROOT

from offrecord.config import Config, load_config
from offrecord.errors import ConfigError


def test_documented_config_yaml_equals_the_code_defaults():
    documented = load_config(ROOT / "config.yaml")
    assert documented == Config()
    # and it documents every key
    assert set(yaml.safe_load((ROOT / "config.yaml").read_text())) == set(Config.model_fields)


def test_cli_overrides_win_over_the_file(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_text("asr:\n  model: whisper-tiny.en\n  beam_size: 2\n")
    cfg = load_config(f, {"asr": {"beam_size": 3}})
    assert (cfg.asr.model, cfg.asr.beam_size) == ("whisper-tiny.en", 3)


@pytest.mark.parametrize("text,needle", [
    ("asr:\n  modle: x\n", "unknown key 'asr.modle'"),
    ("asr:\n  beam_size: lots\n", "'asr.beam_size'"),
    ("diarization:\n  min_speakers: 3\n  max_speakers: 2\n", "min_speakers must not exceed max_speakers"),
    ("asr: [1, 2\n", "not valid YAML at line"),
    ("- a\n- b\n", "expected a mapping"),
    # infinite, NaN or unbounded numbers: `settle_seconds: .inf` made `watch --once` never end
    ("watch:\n  settle_seconds: .inf\n", "'watch.settle_seconds': Input should be a finite number"),
    ("watch:\n  retry_seconds: .nan\n", "'watch.retry_seconds': Input should be a finite number"),
    ("speakers:\n  voice_threshold: .nan\n", "'speakers.voice_threshold': Input should be a finite number"),
    ("watch:\n  settle_seconds: 1.0e+12\n", "'watch.settle_seconds': Input should be less than or equal to 86400"),
    ("watch:\n  max_attempts: 100000\n", "'watch.max_attempts': Input should be less than or equal to 100"),
])
def test_bad_config_names_the_key_and_problem(tmp_path, text, needle):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(f)
    assert needle in str(e.value) and str(f) in str(e.value)
