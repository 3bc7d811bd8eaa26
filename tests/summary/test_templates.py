import pytest

from offrecord.errors import ConfigError
from offrecord.summary.templates import builtin_names, load_template


def test_builtin_templates_load():
    assert builtin_names() == ["brief", "interview", "lecture", "meeting", "podcast"]
    meeting = load_template("meeting")
    assert [(s.name, s.kind) for s in meeting.sections] == [
        ("decisions", "list"), ("action_items", "actions"), ("open_questions", "list")]
    assert load_template("podcast").sections == []
    assert load_template("podcast").parts == ["at_a_glance", "ideas", "quotes", "highlights"]
    assert load_template("brief").parts == ["at_a_glance", "highlights"]


@pytest.mark.parametrize("text,needle", [
    ("name: x\nsections:\n  - name: Bad Name\n    title: t\n    kind: list\n    instruction: i\n", "sections.0.name"),
    ("name: x\nsections:\n  - name: a\n    title: t\n    kind: table\n    instruction: i\n", "sections.0.kind"),
    ("name: x\ncolour: red\n", "'colour'"),
    ("name: x\nparts: [quotes, jokes]\n", "parts.1"),
    ("name: [x\n", "not valid YAML"),
])
def test_bad_user_template_is_a_clear_error(tmp_path, text, needle):
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_template(str(path))
    assert needle in str(e.value) and str(path) in str(e.value)


def test_unknown_template_lists_the_builtins():
    with pytest.raises(ConfigError, match="built in: brief, interview, lecture, meeting, podcast"):
        load_template("sermon")
