"""Command line: `speedtimer` opens the app; subcommands serve people and scripts.

Heavy modules (Textual, sqlite) are imported inside the commands that need them, so that
`speedtimer --version` and `presets list` start fast.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

from speedtimer import __version__


def _paths(args: argparse.Namespace):
    from speedtimer.config.paths import Paths

    return Paths.resolve(
        data_dir=args.data_dir,
        config_dir=args.config_dir,
        presets_dirs=args.presets_dir,
        cache_dir=args.cache_dir,
    )


def _error(message: str) -> int:
    print(f"speedtimer: {message}", file=sys.stderr)
    return 1


# --- presets -----------------------------------------------------------------------------------


LIST_BUDGET_S = 2.0  # `presets list` reads changed files in full for about this long
# Finding one preset by name needs only names: files the index does not know yet are named
# from their first lines, and only the one found is read in full (`run`, `show`, `export`).
FIND_BUDGET_S = 0.0


def cmd_presets_list(args: argparse.Namespace) -> int:
    """From the cached index where a file has not changed; changed files are read in full for
    LIST_BUDGET_S (all of them with --full), the rest listed from their first lines. A
    preset whose targets come from the runner's race is counted for the race in the settings."""
    from speedtimer.config.settings import load_settings
    from speedtimer.core.text import printable
    from speedtimer.formats.catalog import load_catalog

    paths = _paths(args)
    settings = load_settings(paths.settings_file)[0]
    catalog = load_catalog(paths, settings, budget_s=None if args.full else LIST_BUDGET_S)
    rows = []
    for p in catalog.good:
        when = catalog.for_race(p, settings.race).total_label if p.checked else "?"
        rows.append((printable(p.name), p.category, when, printable(str(p.source))))
    if rows:
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows)
        w2 = max(len(r[2]) for r in rows)
        print(f"{'NAME':<{w0}}  {'CATEGORY':<{w1}}  {'TIME':>{w2}}  FILE")
        for r in rows:
            print(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:>{w2}}  {r[3]}")
    for b in catalog.broken:  # the file once, then where in it and what is wrong
        why = f"{printable(b.error.key)}: {b.error.message}" if b.error.key else b.error.message
        print(f"BROKEN {printable(str(b.source))}: {why}")
    if catalog.unchecked:
        print(
            f"\n{catalog.unchecked} files (TIME ?) were listed from their first lines only: "
            f"reading every changed file takes longer than {LIST_BUDGET_S:g} s. Each listing "
            "reads more of them, and the app reads them all in the background; "
            "`speedtimer presets list --full` reads and checks every file now."
        )
    return 0


def _race_line(race, preset) -> str:
    from speedtimer.core.targets import has_symbolic_targets

    if race is not None:
        return f"Race: {race.text} (VDOT {race.vdot:.1f})"
    if has_symbolic_targets(preset):
        return (
            'Race: none set, so race-derived targets show no time: add --race "5k 19:57", '
            "or set [runner] race in the settings (speedtimer config edit)"
        )
    return ""


def cmd_presets_show(args: argparse.Namespace) -> int:
    from speedtimer.cli.race import RaceRefused, race_in_effect
    from speedtimer.core.preset import PresetError, format_clock
    from speedtimer.core.schedule import KIND_NAMES, build_schedule, outline, symbol_text
    from speedtimer.core.targets import session_preset
    from speedtimer.formats.catalog import load_catalog

    paths = _paths(args)
    try:
        written = load_catalog(paths, budget_s=FIND_BUDGET_S).find(args.preset)
        race = race_in_effect(args, paths)
    except PresetError as exc:
        return _error(str(exc))
    except RaceRefused as exc:
        return _error(str(exc))
    preset, race = session_preset(written, race)
    sched = build_schedule(preset)
    if args.json:
        data = sched.to_json()
        data["race"] = race.text if race is not None else None
        data["vdot"] = round(race.vdot, 2) if race is not None else None
        print(json.dumps(data, indent=2))
        return 0
    totals = sched.totals
    print(f"{preset.name}  ({preset.category}, {totals.label})")
    if preset.description:
        print(preset.description)
    print(outline(written))
    race_line = _race_line(race, written)
    if race_line:
        print(race_line)
    print()
    # as wide as the longest "Rep 10/12 · Set 2/3", so the STEP column stays in line
    pos_w = max([len("REP/SET"), *(len(s.position) for s in sched.steps)])
    print(f"{'#':>3}  {'PHASE':<9}  {'TIME':>7}  {'REP/SET':<{pos_w}}  STEP")
    for s in sched.steps:
        when = format_clock(s.planned_s) if s.planned_s is not None else "lap"
        detail = s.label
        source = symbol_text(s.pace_symbol) if s.pace_symbol else ""  # "5k pace"
        if s.distance_m:
            extra = f"{s.distance_m:g} m"
            if s.target_s:
                extra += f" @ {s.pace_text} = {s.target_time_text}"
                if source:
                    extra += f", {source}"
            elif source:
                extra += f" @ {source}, no race set"
            detail = f"{detail} ({extra})" if detail else extra
        elif s.pace_text or source:
            pace = ", ".join(x for x in (source, s.pace_text or "no race set") if x)
            detail = f"{detail} @ {pace}" if detail else f"@ {pace}"
        if s.target_text:
            detail = f"{detail} · {s.target_text}" if detail else s.target_text
        print(
            f"{s.index + 1:>3}  {KIND_NAMES[s.kind]:<9}  {when:>7}  {s.position:<{pos_w}}  {detail}"
        )
    print(f"\nTotal: {totals.label}")
    if totals.is_estimate:
        print("  ~ lap steps counted at their target pace")
    if totals.left_out:
        print("  + lap steps without a target pace, not counted")
    return 0


def cmd_presets_validate(args: argparse.Namespace) -> int:
    from speedtimer.core.preset import PresetError
    from speedtimer.core.schedule import build_schedule
    from speedtimer.formats.preset_toml import load_preset

    bad = 0
    for raw in args.paths:
        try:
            preset = load_preset(Path(raw))
        except PresetError as exc:
            bad += 1
            print(f"ERROR {exc}")
            continue
        sched = build_schedule(preset)
        total = sched.totals.label
        print(f"OK {raw}: {preset.name}, {len(sched.steps)} steps, {total}")
    return 1 if bad else 0


# --- app ---------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from speedtimer.core.preset import PresetError
    from speedtimer.formats.catalog import load_catalog

    if (args.preset is None) == (args.quick is None):
        print(
            "speedtimer run: give a preset NAME_OR_PATH or --quick SESSION (one of them)",
            file=sys.stderr,
        )
        return 2
    paths = _paths(args)
    from speedtimer.core.paces import PaceError, parse_race
    from speedtimer.core.targets import parse_start_choice

    try:
        race = parse_race(args.race) if args.race is not None else None
    except PaceError as exc:
        return _error(f"--race: {exc}")
    try:
        choice = parse_start_choice(args.target) if args.target is not None else None
    except PaceError as exc:
        return _error(f"--target: {exc}")
    if choice is not None and choice.race is not None:
        return _error('--target: give a pace ("3:40/km") or a rep time ("84s"); a race goes '
                      "in --race")  # fmt: skip
    try:
        if args.quick is not None:
            from speedtimer.formats.quick import parse_quick

            preset = parse_quick(args.quick)
        else:
            preset = load_catalog(paths, budget_s=FIND_BUDGET_S).find(args.preset)
    except PresetError as exc:
        return _error(str(exc))
    athletes = None
    if args.squad is not None or args.athletes is not None:
        from speedtimer.formats.squad import SquadError, find_squad

        if args.squad is None:
            return _error("--athletes picks from a squad: give --squad NAME_OR_FILE too")
        if args.plain:
            return _error(
                "--squad runs the group screen: it needs the full-screen app, not --plain"
            )
        if args.race is not None:
            return _error(
                "--race is one runner's race; with --squad each athlete's comes from the squad "
                "(speedtimer squads edit NAME --race 'Ana=5k 19:57')"
            )
        try:
            found = find_squad(_paths(args).config_dir, args.squad)
            athletes = found.pick(args.athletes)
        except SquadError as exc:
            return _error(str(exc))
        if not athletes:
            return _error(
                f"squad {args.squad!r} has no athletes: add some with speedtimer squads edit"
            )
    if args.plain:
        from speedtimer.cli.plain import run_plain

        return run_plain(
            preset,
            paths,
            mute=args.mute,
            get_ready_s=args.get_ready,
            voice=args.voice,
            race=race,
            choice=choice,
        )
    squad = replace(found, athletes=athletes) if athletes else None
    return _run_app(args, paths, preset, race=race, choice=choice, squad=squad)


def _follow_the_terminal() -> None:
    """COLUMNS/LINES in the environment (readline exports them, so do some launchers) would fix
    the app at that size for good: Textual asks the environment before the terminal, so a
    resize would never be followed. The full-screen app always takes the terminal's own size."""
    if sys.stdout.isatty() or sys.stderr.isatty():
        for name in ("COLUMNS", "LINES"):
            os.environ.pop(name, None)


def no_terminal_problem() -> str | None:
    """Why the full-screen app cannot run here, or None.

    It reads keys from stdin and draws on the terminal (stdout, and stderr where Textual
    writes): with input from /dev/null or output into a pipe or file, Textual spins on a
    closed or foreign stream and burns a core while showing nothing. A driver chosen
    through TEXTUAL_DRIVER (speedtimer serve, headless runs) brings its own streams."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return None
    streams = (("input (stdin)", sys.stdin), ("output (stdout)", sys.stdout))
    streams += (("error output (stderr)", sys.stderr),)
    missing = [name for name, s in streams if s is None or not _is_tty(s)]
    if not missing:
        return None
    which = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    return (
        f"the full-screen app needs a terminal, and its {which} "
        f"{'is' if len(missing) == 1 else 'are'} not one; run a session line by line with "
        "`speedtimer run NAME --plain` (or --quick ... --plain), or start speedtimer in a terminal"
    )


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):  # closed
        return False


def _run_app(
    args: argparse.Namespace, paths, preset=None, race=None, choice=None, squad=None
) -> int:
    problem = no_terminal_problem()
    if problem is not None:
        return _error(problem)
    from speedtimer.tui.app import make_app

    _follow_the_terminal()
    app = make_app(
        paths,
        mute=args.mute,
        voice=args.voice,
        get_ready_s=args.get_ready,
        start_preset=preset,
        race=race,
        start_choice=choice,
        start_squad=squad,
    )
    app.run()
    return app.return_code or 0


COMMANDS = ("presets", "run", "config", "history", "paces", "squads")


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """`commands` False: the options that open the app, and none of the subcommands, whose
    modules (history, presets I/O, settings) the app does not need to start."""
    parser = argparse.ArgumentParser(
        prog="speedtimer",
        description="Interval timer for runners' speed training. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"speedtimer {__version__}")
    parser.add_argument(
        "--presets-dir",
        action="append",
        metavar="DIR",
        help="extra folder of presets (repeatable; env SPEEDTIMER_PRESETS_DIR)",
    )
    parser.add_argument(
        "--data-dir", metavar="DIR", help="where the history lives (env SPEEDTIMER_DATA_DIR)"
    )
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        help="settings and your own presets (env SPEEDTIMER_CONFIG_DIR)",
    )
    parser.add_argument(
        "--mute",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="start with sound off (--no-mute: on), whatever the settings file says",
    )
    parser.add_argument(
        "--voice",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="speak announcements (--no-voice: beeps only), whatever the settings file says",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where rendered speech is kept (env SPEEDTIMER_CACHE_DIR)",
    )
    parser.add_argument(
        "--get-ready",
        type=int,
        metavar="SECONDS",
        default=None,
        help="get-ready countdown before the first step (default 5, or the settings file)",
    )
    parser.set_defaults(func=None)
    if not commands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    presets = sub.add_parser(
        "presets", help="list, show, validate, create, import and export presets"
    )
    psub = presets.add_subparsers(dest="presets_command", metavar="ACTION", required=True)
    p = psub.add_parser("list", help="every preset with category, time and file")
    p.add_argument(
        "--full",
        action="store_true",
        help=f"read and check every changed file, however long it takes (default: about "
        f"{LIST_BUDGET_S:g} s, the rest listed from their first lines)",
    )
    p.set_defaults(func=cmd_presets_list)
    p = psub.add_parser("show", help="a preset's schedule, step by step")
    p.add_argument("preset", metavar="NAME_OR_PATH")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--race",
        metavar="RACE",
        help='resolve race-derived targets for this race, e.g. "5k 19:30" (default: the '
        "settings' [runner] race)",
    )
    p.set_defaults(func=cmd_presets_show)
    p = psub.add_parser("validate", help="check preset files; exit 1 if any is bad")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_presets_validate)
    from speedtimer.cli.presets import add_preset_io_commands

    add_preset_io_commands(psub, _paths)

    p = sub.add_parser("run", help="start a preset straight away")
    p.add_argument("preset", metavar="NAME_OR_PATH", nargs="?")
    p.add_argument(
        "--quick",
        metavar="SESSION",
        help='a one-line session instead of a preset, e.g. "10:00 wu, 8x(400m lap @3:45/km, '
        '1:30 rest)!, 10:00 cd" (see presets/README.md)',
    )
    p.add_argument(
        "--plain",
        action="store_true",
        help="no full-screen app: print each step as a line (for scripts and screen readers)",
    )
    p.add_argument(
        "--race",
        metavar="RACE",
        help='your race for this run, e.g. "5k 19:30": targets like 5k pace or I pace come from '
        "it (default: the settings' [runner] race)",
    )
    p.add_argument(
        "--target",
        metavar="TARGET",
        help='one target for every work rep with a distance, this run only: a pace ("3:40/km") '
        'or a rep time ("84s", "1:24")',
    )
    p.add_argument(
        "--squad",
        metavar="NAME_OR_FILE",
        help="coach mode: time a squad (<config>/squads/), one row and one key per athlete",
    )
    p.add_argument(
        "--athletes",
        metavar="NAMES",
        help='who is here today, e.g. "Ana,Ben" (default: the whole squad)',
    )
    p.set_defaults(func=cmd_run)

    from speedtimer.cli.paces import add_paces_command

    add_paces_command(sub)

    from speedtimer.cli.config import add_config_commands

    add_config_commands(sub)

    from speedtimer.cli.squads import add_squads_commands

    add_squads_commands(sub, _paths)

    from speedtimer.cli.serve import add_serve_command

    add_serve_command(sub)

    try:
        from speedtimer.cli.history import add_history_commands
    except ImportError:  # pragma: no cover - only while the history module is absent
        pass
    else:
        add_history_commands(sub, None)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Opening the app (no command on the line) parses with the options only, which spares the
    start-up the subcommands' modules; anything else it does not know, help included, goes to
    the full parser, so its messages and help are the same either way."""
    if not any(a in COMMANDS or a in ("-h", "--help") for a in argv):
        light = build_parser(commands=False)
        light.exit_on_error = False
        try:
            args, rest = light.parse_known_args(argv)
        except argparse.ArgumentError:
            rest = argv
        if not rest:
            return args
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    # The app's start-up makes some 80,000 objects (Textual's, ours) and next to no garbage;
    # the collector walked them about a hundred times before the first frame, some 15 ms in
    # all. It is held until the app has drawn its first list of presets
    # (`SpeedTimerApp._after_first_frame` lets it go on), and at once for everything else.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv: list[str] | None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["--version"]:
        # Answered before the parser imports the history modules: scripts call this often.
        print(f"speedtimer {__version__}")
        return 0
    if args_in[:1] == ["paces"]:
        # Answered without the full parser and its modules: a coach asks this at the track.
        from speedtimer.cli.paces import main as paces_main

        return paces_main(args_in[1:])
    args = parse_args(args_in)
    if not (args.func is None or (args.func is cmd_run and not args.plain)):
        gc.enable()  # not the full-screen app: nothing to hold it for
    if args.get_ready is not None and not 0 <= args.get_ready <= 60:
        build_parser().error("--get-ready expects 0 to 60 seconds")
    try:
        if args.func is None:
            return _run_app(args, _paths(args))
        if getattr(args, "command", None) == "serve" or (
            args.func is cmd_run and not args.plain
        ):  # the app draws the terminal itself; serve's log is the web server's
            return args.func(args)
        from speedtimer.cli.output import terminal_safe_output

        with terminal_safe_output():
            return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
