"""`offrecord speakers`: voice profiles, kept on this machine, that name speakers later."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import voices_path
from ..errors import OffrecordError
from .common import Context, config_option, model_store, settings


@click.group()
def speakers():
    """Voice profiles, kept on this machine, that name speakers in later recordings."""


@speakers.command("enroll")
@click.argument("name")
@click.argument("clips", nargs=-1, required=True, type=click.Path(readable=False, path_type=Path))
@config_option
@click.pass_obj
def speakers_enroll(obj: Context, name, clips, config_path):
    """Remember NAME's voice from CLIPS (each: mostly NAME talking; 10 s or more is best)."""
    from ..run.models import Models
    from ..stages.decode import decode
    from ..stages.diarize import main_voice
    from ..stages.voices import VoiceBook

    cfg = settings(config_path)
    models = Models(cfg, model_store(cfg))
    book = VoiceBook(voices_path(cfg))
    for clip in clips:
        voice = main_voice(models.diarizer.diarize(decode(clip)))
        if voice is None:
            raise OffrecordError(f"{clip}: no speech long enough to learn a voice from")
        book.enroll(name, voice, str(clip))
        obj.say(f"{name}: voice learned from {clip}")
    obj.say(f"{name}: {len(book.voices[name]['clips'])} clip(s) enrolled in {book.path}")


@speakers.command("list")
@config_option
def speakers_list(config_path):
    """Enrolled voices."""
    from ..stages.voices import VoiceBook

    book = VoiceBook(voices_path(settings(config_path)))
    for name, entry in sorted(book.voices.items()):
        click.echo(f"{name}: {len(entry['clips'])} clip(s), last enrolled {entry['clips'][-1]['enrolled']}")
    if not book.voices:
        click.echo("no voices enrolled (offrecord speakers enroll NAME clip.wav)")


@speakers.command("forget")
@click.argument("name")
@config_option
@click.pass_obj
def speakers_forget(obj: Context, name, config_path):
    """Delete NAME's voice profile."""
    from ..stages.voices import VoiceBook

    if not VoiceBook(voices_path(settings(config_path))).forget(name):
        raise OffrecordError(f"no voice enrolled under the name {name!r}")
    obj.say(f"{name}: voice profile deleted")
