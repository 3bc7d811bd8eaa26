"""Summary templates: what to look for in the notes and which extra sections to write.

Built-in templates live in pipeline/summary/templates/*.yaml (podcast, meeting, lecture, interview, brief); a
user template is a YAML file of the same shape. Every template gets the title, the one line and
the overview, and by default the other standard parts (at a glance, ideas, grounded quotes and
highlights); `parts` may name fewer: each costs seconds of writing.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..config import explain
from ..errors import ConfigError

BUILTIN = Path(__file__).resolve().parent / "templates"
Part = Literal["at_a_glance", "ideas", "quotes", "highlights"]
PARTS: tuple[Part, ...] = ("at_a_glance", "ideas", "quotes", "highlights")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    # text: a paragraph; list: short items; actions: tasks with an owner (a speaker) and a due date
    kind: Literal["text", "list", "actions"]
    instruction: str
    # what it says was decided or agreed: each item needs words of a decision about it in the
    # transcript, not only its subject ("I'm thinking we should ..." decides nothing)
    decided: bool = False


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    focus: str = "the main points"
    parts: list[Part] = Field(default_factory=lambda: list(PARTS))
    sections: list[Section] = Field(default_factory=list)


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN.glob("*.yaml"))


def load_template(name_or_path: str) -> Template:
    path = Path(name_or_path)
    if not path.suffix:
        path = BUILTIN / f"{name_or_path}.yaml"
        if not path.exists():
            close = difflib.get_close_matches(name_or_path, builtin_names(), n=1, cutoff=0.5)
            raise ConfigError(f"unknown summary template '{name_or_path}'" + (f"; did you mean {close[0]}?" if close else "")
                              + f" (built in: {', '.join(builtin_names())}; or give the path of a .yaml template)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the template ({e.strerror})") from None
    except yaml.YAMLError:
        raise ConfigError(f"{path}: the template is not valid YAML") from None
    try:
        return Template.model_validate(data)
    except ValidationError as e:
        raise ConfigError(explain(e, str(path))) from None
