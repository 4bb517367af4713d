"""Preset exporters by format name, for `speedtimer presets export --format NAME`.

Each exporter is one function `(preset, output_path, *, lap_button=False) -> None`: it writes
`output_path` atomically, or prints text to stdout when `output_path` is None (a binary format
raises `ExportError` instead). `lap_button` asks for distance steps that end on the lap button
(track sessions) in formats that can say either. Notes on what a format could not say go
to stderr as `note: ...`. Adding a format is adding one entry to `EXPORTERS`; the command
line offers every key.
Modules behind the exporters are imported only when one runs, to keep the CLI quick to start.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from speedtimer.core.preset import Preset


class ExportError(Exception):
    """The export cannot be done as asked (e.g. a binary format with no output file)."""


def emit_text(text: str, output: Path | None) -> None:
    """Print `text`, or write it to `output` atomically (temp file + rename)."""
    if output is None:
        # The command line's terminal-safe stdout hands data into a pipe over unchanged.
        out = getattr(sys.stdout, "for_data", lambda: sys.stdout)()
        out.write(text)
        out.flush()
        return
    from speedtimer.formats.preset_save import write_atomic

    write_atomic(output, text)


def note(message: str) -> None:
    print(f"note: {message}", file=sys.stderr)


def export_toml(preset: Preset, output: Path | None, *, lap_button: bool = False) -> None:
    from speedtimer.formats.preset_save import preset_to_toml

    emit_text(preset_to_toml(preset), output)


def export_icu(preset: Preset, output: Path | None, *, lap_button: bool = False) -> None:
    from speedtimer.formats.intervals_icu import to_icu

    text, notes = to_icu(preset, lap_button=lap_button)
    for message in notes:
        note(message)
    emit_text(text, output)


def export_fit(preset: Preset, output: Path | None, *, lap_button: bool = False) -> None:
    """A Garmin FIT workout file (see fit_export.py); binary, so it needs a file."""
    if output is None:
        raise ExportError(
            "--format fit writes a binary file, not text for the terminal: "
            "give --output FILE (e.g. --output workout.fit)"
        )
    try:
        from speedtimer.formats.fit_workout import write_fit_workout
    except ImportError as exc:
        raise ExportError(f"--format fit needs a package that is missing: {exc}") from exc
    for message in write_fit_workout(preset, output, lap_button=lap_button):
        note(message)


EXPORTERS: dict[str, Callable[..., None]] = {
    "toml": export_toml,
    "icu": export_icu,
    "fit": export_fit,
}
