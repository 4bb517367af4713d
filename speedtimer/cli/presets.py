"""`speedtimer presets new | import | export`: presets in and out of the user presets folder.

Each handler returns an exit code: 0 done, 1 bad input or a file problem (one clear message on
stderr, nothing written), never a traceback. A preset is saved only into the user presets
folder, under a file name made safe from its name, atomically, and never over another file
without --force. Modules are imported inside the handlers so the parser stays cheap to build.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from speedtimer.config.paths import Paths
    from speedtimer.core.preset import Preset

GetPaths = Callable[[argparse.Namespace], "Paths"]


class _Refused(Exception):
    """Saving would replace or shadow another preset."""


def _error(message: str) -> int:
    print(f"speedtimer: {message}", file=sys.stderr)
    return 1


def add_preset_io_commands(psub: Any, get_paths: GetPaths) -> None:
    """Add `new`, `import` and `export` to the `presets` subparsers."""
    from speedtimer.formats.exporters import EXPORTERS

    p = psub.add_parser(
        "new",
        help="save a quick one-line session as a preset",
        description='Example: speedtimer presets new --quick "10:00 wu, 8x(400m lap '
        '@3:45/km, 1:30 rest)!, 10:00 cd" --name "8 x 400 m"',
    )
    p.add_argument("--quick", required=True, metavar="SESSION", help="the session, quick form")
    p.add_argument("--name", required=True, help="the preset's name")
    p.add_argument("--category", default="custom", help="default: custom")
    p.add_argument("--force", action="store_true", help="replace a preset file of that name")
    p.set_defaults(func=lambda args: cmd_presets_new(args, get_paths(args)))

    p = psub.add_parser(
        "import",
        help="add a preset from a TOML preset or intervals.icu workout text",
        description="The format is detected: a TOML preset file, or intervals.icu workout text.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--name", help="name the preset (default: the one in the file)")
    p.add_argument("--force", action="store_true", help="replace a preset file of that name")
    p.set_defaults(func=lambda args: cmd_presets_import(args, get_paths(args)))

    p = psub.add_parser(
        "export",
        help="write a preset for another tool (icu: intervals.icu workout text)",
    )
    p.add_argument("preset", metavar="NAME_OR_PATH")
    p.add_argument("--format", required=True, choices=sorted(EXPORTERS))
    p.add_argument("--output", "-o", metavar="FILE", help="write FILE instead of printing")
    p.add_argument(
        "--lap-button",
        action="store_true",
        help="distance steps end on the lap button (press lap) instead of at the distance: "
        "for the track, where GPS distance is poor (icu, fit)",
    )
    p.add_argument(
        "--race",
        metavar="RACE",
        help="icu and fit: absolute paces for race-derived targets from this race, e.g. "
        '"5k 19:30" (default: the settings\' [runner] race)',
    )
    p.set_defaults(func=lambda args: cmd_presets_export(args, get_paths(args)))


def save_new_preset(paths: Paths, preset: Preset, *, force: bool) -> Path:
    """Save into the user presets folder; refuse to replace or shadow another preset.

    Another file of the same name is replaced only with `force`; a different preset with the
    same name anywhere (bundled ones too) is always refused, because `run NAME` could no
    longer tell them apart.
    """
    from speedtimer.formats.catalog import load_catalog
    from speedtimer.formats.preset_save import save_preset, target_path

    folder = paths.user_presets_dir
    dest = target_path(folder, preset)
    wanted = preset.name.casefold()
    for other in load_catalog(paths, budget_s=0.0).good:  # names only: nothing read in full
        same_file = other.source.resolve() == dest.resolve()
        if other.name.casefold() == wanted and not same_file:
            raise _Refused(
                f"there is already a preset called {other.name!r} ({other.source}); "
                "give this one another --name"
            )
    try:
        return save_preset(preset, folder, overwrite=force)
    except FileExistsError:
        raise _Refused(
            f"{dest} already exists; use --force to replace it, or another --name"
        ) from None


def cmd_presets_new(args: argparse.Namespace, paths: Paths) -> int:
    from speedtimer.core.preset import CATEGORIES
    from speedtimer.formats.preset_save import SaveError
    from speedtimer.formats.quick import QuickError, parse_quick

    if args.category not in CATEGORIES:
        return _error(f"--category: expected one of {', '.join(CATEGORIES)}; got {args.category!r}")
    if not args.name.strip():
        return _error("--name must not be empty")
    try:
        preset = parse_quick(args.quick, name=args.name.strip(), category=args.category)
        saved = save_new_preset(paths, preset, force=args.force)
    except QuickError as exc:
        return _error(str(exc))
    except (_Refused, SaveError) as exc:
        return _error(str(exc))
    print(f"Saved {preset.name!r} to {saved}")
    return 0


def detect_format(path: Path, text: str) -> str:
    """ "toml" for a preset file (by suffix, or TOML with a name or steps), else "icu"."""
    import tomllib

    if path.suffix.lower() == ".toml":
        return "toml"
    try:
        data = tomllib.loads(text)
    except (ValueError, RecursionError):  # not TOML, or a number too long for int()
        return "icu"
    return "toml" if "steps" in data or "name" in data else "icu"


def cmd_presets_import(args: argparse.Namespace, paths: Paths) -> int:
    from speedtimer.core.preset import PresetError
    from speedtimer.formats.intervals_icu import parse_icu, read_text
    from speedtimer.formats.preset_save import SaveError, preset_to_dict
    from speedtimer.formats.preset_toml import parse_preset, preset_from_dict

    path = Path(args.file).expanduser()
    notes: list[str] = []
    try:
        text = read_text(path)
        fmt = detect_format(path, text)
        if fmt == "toml":
            preset = parse_preset(text, path)
            if args.name is not None:
                preset = preset_from_dict({**preset_to_dict(preset), "name": args.name}, path)
        else:
            result = parse_icu(text, name=args.name, path=path)
            preset, notes = result.preset, result.notes
        saved = save_new_preset(paths, preset, force=args.force)
    except (PresetError, _Refused, SaveError) as exc:
        return _error(str(exc))
    for message in notes:
        print(f"note: {message}", file=sys.stderr)
    kind = "TOML preset" if fmt == "toml" else "intervals.icu workout"
    print(f"Imported {preset.name!r} ({kind}) to {saved}")
    return 0


def cmd_presets_export(args: argparse.Namespace, paths: Paths) -> int:
    from speedtimer.cli.race import RaceRefused, race_in_effect
    from speedtimer.core.preset import PresetError
    from speedtimer.core.targets import has_symbolic_targets, session_preset
    from speedtimer.formats.catalog import load_catalog
    from speedtimer.formats.exporters import EXPORTERS, ExportError
    from speedtimer.formats.preset_save import SaveError

    try:
        preset = load_catalog(paths, budget_s=0.0).find(args.preset)
        race = race_in_effect(args, paths)
    except PresetError as exc:
        return _error(str(exc))
    except RaceRefused as exc:
        return _error(str(exc))
    if args.format != "toml" and has_symbolic_targets(preset):
        # Other tools know no "5k pace": they get the absolute pace for the race in effect.
        if race is None:
            print(
                'note: race-derived targets left out: no race set (--race "5k 19:57" or '
                "[runner] race in the settings)",
                file=sys.stderr,
            )
        else:
            print(f"note: race-derived targets as paces for {race.text}", file=sys.stderr)
        preset = session_preset(preset, race)[0]
    output = Path(args.output).expanduser() if args.output else None
    try:
        extra = {"lap_button": True} if args.lap_button else {}
        EXPORTERS[args.format](preset, output, **extra)
    except (ExportError, SaveError) as exc:
        return _error(str(exc))
    if output is not None:
        print(f"Wrote {output}")
    return 0
