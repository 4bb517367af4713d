"""`speedtimer squads list | show | new | edit`: the coach's squads from the command line.

Squads are TOML files in `<config>/squads/` (see speedtimer.formats.squad). Every handler
returns an exit code: 0 done, 1 bad input or a file problem (one message on stderr naming the
file and key, nothing written). A changed squad is validated before it replaces the file
(atomically); `edit` with no change options opens $VISUAL/$EDITOR and checks the result.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from speedtimer.config.paths import Paths

GetPaths = Callable[[argparse.Namespace], "Paths"]


def _error(message: str) -> int:
    print(f"speedtimer: {message}", file=sys.stderr)
    return 1


def add_squads_commands(sub: Any, get_paths: GetPaths) -> None:
    squads = sub.add_parser("squads", help="list, show, create and edit squads (coach mode)")
    ssub = squads.add_subparsers(dest="squads_command", metavar="ACTION", required=True)
    p = ssub.add_parser("list", help="every squad with its athletes' count and file")
    p.set_defaults(func=lambda args: cmd_squads_list(args, get_paths(args)))
    p = ssub.add_parser("show", help="a squad's athletes: key, name, race, group, note")
    p.add_argument("squad", metavar="NAME_OR_FILE")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=lambda args: cmd_squads_show(args, get_paths(args)))
    p = ssub.add_parser(
        "new",
        help="create a squad",
        description='Example: speedtimer squads new "Tuesday group" --athletes "Ana,Ben,Cy"',
    )
    p.add_argument("name")
    p.add_argument("--athletes", default="", metavar="NAMES", help='"Ana,Ben,Cy"')
    p.add_argument("--force", action="store_true", help="replace a squad file of that name")
    p.set_defaults(func=lambda args: cmd_squads_new(args, get_paths(args)))
    p = ssub.add_parser(
        "edit",
        help="change a squad (with no option: open it in $VISUAL / $EDITOR and check it)",
        description='Example: speedtimer squads edit tuesday --add Dee --race "Dee=5k 21:10" '
        "--key Dee=d --rename Cy=Cyrus --remove Ben",
    )
    p.add_argument("squad", metavar="NAME_OR_FILE")
    p.add_argument("--add", action="append", default=[], metavar="NAME", help="add an athlete")
    p.add_argument("--remove", action="append", default=[], metavar="NAME")
    p.add_argument("--rename", action="append", default=[], metavar="OLD=NEW")
    p.add_argument("--race", action="append", default=[], metavar='NAME="5k 19:57"')
    p.add_argument("--key", action="append", default=[], metavar="NAME=KEY")
    p.add_argument("--group", action="append", default=[], metavar="NAME=GROUP")
    p.add_argument("--note", action="append", default=[], metavar="NAME=NOTE")
    p.set_defaults(func=lambda args: cmd_squads_edit(args, get_paths(args)))


def cmd_squads_list(args: argparse.Namespace, paths: Paths) -> int:
    from speedtimer.core.text import printable
    from speedtimer.formats.squad import SquadError, load_squad, squad_files, squads_dir

    files = squad_files(paths.config_dir)
    if not files:
        print(f'no squads in {printable(str(squads_dir(paths.config_dir)))}: create one with '
              'speedtimer squads new "Tuesday group" --athletes "Ana,Ben"')  # fmt: skip
        return 0
    bad = 0
    for f in files:
        try:
            squad = load_squad(f)
        except SquadError as exc:
            bad += 1
            print(f"BROKEN  {exc}", file=sys.stderr)
            continue
        count = len(squad.athletes)
        print(f"{printable(squad.name):<30} {count:>2} athlete{'s' if count != 1 else ' '}  {f}")
    return 1 if bad else 0


def cmd_squads_show(args: argparse.Namespace, paths: Paths) -> int:
    from speedtimer.core.paces import parse_race
    from speedtimer.core.text import printable
    from speedtimer.formats.squad import SquadError, find_squad

    try:
        squad = find_squad(paths.config_dir, args.squad)
    except SquadError as exc:
        return _error(str(exc))
    if args.json:
        print(
            json.dumps(
                {
                    "name": squad.name,
                    "file": str(squad.source) if squad.source else None,
                    "athletes": [
                        {
                            "name": a.name,
                            "key": a.key,
                            "race": a.race or None,
                            "vdot": round(parse_race(a.race).vdot, 1) if a.race else None,
                            "group": a.group or None,
                            "note": a.note or None,
                        }
                        for a in squad.athletes
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(f"{printable(squad.name)}  ({len(squad.athletes)} athletes, {squad.source})")
    width = max([len(a.name) for a in squad.athletes] + [4])
    print(f"key  {'name':<{width}}  {'race':<16} {'VDOT':>5}  group  note")
    for a in squad.athletes:
        vdot = f"{parse_race(a.race).vdot:.1f}" if a.race else ""
        print(
            f" {a.key}   {printable(a.name):<{width}}  {printable(a.race):<16} {vdot:>5}  "
            f"{printable(a.group):<5}  {printable(a.note)}"
        )
    return 0


def cmd_squads_new(args: argparse.Namespace, paths: Paths) -> int:
    from speedtimer.formats.squad import (
        SquadError,
        file_stem,
        save_squad,
        squad_from_dict,
        squads_dir,
    )

    names = [n.strip() for n in args.athletes.split(",") if n.strip()]
    target = squads_dir(paths.config_dir) / f"{file_stem(args.name)}.toml"
    try:
        squad = squad_from_dict(
            {"name": args.name, "athletes": [{"name": n} for n in names]}, "command line"
        )
    except SquadError as exc:
        return _error(str(exc))
    if target.exists() and not args.force:
        return _error(f"{target} exists: choose another name or add --force to replace it")
    try:
        save_squad(squad, target)
    except OSError as exc:
        return _error(f"cannot save {target}: {exc}")
    print(f"saved {target} ({len(squad.athletes)} athletes)")
    return 0


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"{option} expects NAME=VALUE, got {v!r}")
        out.append((name.strip(), value.strip()))
    return out


def cmd_squads_edit(args: argparse.Namespace, paths: Paths) -> int:
    from speedtimer.formats.squad import SquadError, find_squad, save_squad, squad_from_dict

    try:
        squad = find_squad(paths.config_dir, args.squad)
    except SquadError as exc:
        return _error(str(exc))
    assert squad.source is not None
    changes = [args.add, args.remove, args.rename, args.race, args.key, args.group, args.note]
    if not any(changes):
        return _edit_in_editor(squad.source)
    rows = [
        {"name": a.name, "race": a.race, "group": a.group, "note": a.note}
        | ({"key": a.key} if a.key_given else {})
        for a in squad.athletes
    ]

    def find(name: str) -> dict:
        for r in rows:
            if r["name"].casefold() == name.casefold():
                return r
        raise ValueError(f"no athlete {name!r} in squad {squad.name!r}")

    try:
        for name in args.remove:
            rows.remove(find(name))
        for old, new in _pairs(args.rename, "--rename"):
            find(old)["name"] = new
        rows += [{"name": n} for n in args.add]
        for field_name, values in (
            ("race", args.race),
            ("key", args.key),
            ("group", args.group),
            ("note", args.note),
        ):
            for name, value in _pairs(values, f"--{field_name}"):
                row = find(name)
                if value:
                    row[field_name] = value
                else:
                    row.pop(field_name, None)
        clean = [{k: v for k, v in r.items() if v != ""} for r in rows]
        changed = squad_from_dict({"name": squad.name, "athletes": clean}, squad.source)
    except (ValueError, SquadError) as exc:
        return _error(str(exc))
    try:
        save_squad(replace(changed, source=squad.source), squad.source)
    except OSError as exc:
        return _error(f"cannot save {squad.source}: {exc}")
    print(f"saved {squad.source} ({len(changed.athletes)} athletes)")
    return 0


def _edit_in_editor(file) -> int:
    import subprocess

    from speedtimer.cli.config import choose_editor
    from speedtimer.formats.squad import SquadError, load_squad

    editor = choose_editor()
    if editor is None:
        return _error(f"no editor found: set $VISUAL or $EDITOR, or edit {file} by hand")
    try:
        subprocess.call([*editor, str(file)])
    except OSError as exc:
        return _error(f"cannot start the editor {editor[0]!r}: {exc.strerror or exc}")
    try:
        squad = load_squad(file)
    except SquadError as exc:
        return _error(f"{exc} (the file is kept as you left it: `speedtimer squads edit` again)")
    print(f"{file}: no problems ({len(squad.athletes)} athletes)")
    return 0
