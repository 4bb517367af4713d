"""`speedtimer paces RACE`: VDOT, equivalent race times and training paces from one race.

Answered before the main parser is built (cli.main hands "paces" straight here), and this
module imports only argparse, json and the pure pace model, so the whole process stays well
under 100 ms (benchmarks/startup.py measures it).
"""

from __future__ import annotations

import argparse
import json
import sys

from speedtimer.core.paces import (
    MILE_M,
    RACE_EXAMPLE,
    PaceError,
    equivalent_times,
    format_race_time,
    parse_race,
    training_paces,
)

ZONE_NAMES = {"E": "easy", "M": "marathon", "T": "threshold", "I": "interval", "R": "repetition"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "race",
        metavar="RACE",
        nargs="*",
        help=f"a recent race: distance and time, e.g. {RACE_EXAMPLE} (default: the settings' "
        "[runner] race)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_paces)


def add_paces_command(sub) -> None:
    p = sub.add_parser(
        "paces", help="VDOT, equivalent race times and training paces from a race result"
    )
    add_arguments(p)


def paces_json(text: str) -> dict:
    race = parse_race(text)
    vdot = race.vdot
    paces = training_paces(vdot)
    return {
        "vdot": round(vdot, 2),
        "race_times": {k: round(v, 1) for k, v in equivalent_times(vdot).items()},
        "paces": {
            "E": [round(paces.easy[0], 1), round(paces.easy[1], 1)],
            "M": round(paces.marathon, 1),
            "T": round(paces.threshold, 1),
            "I": round(paces.interval, 1),
            "R": round(paces.repetition, 1),
        },
    }


def _clock(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


def _span(fast: float, slow: float, metres: float) -> str:
    a, b = _clock(fast * metres / 1000), _clock(slow * metres / 1000)
    return a if a == b else f"{a}-{b}"


def paces_text(text: str) -> str:
    race = parse_race(text)
    vdot = race.vdot
    paces = training_paces(vdot)
    lines = [f"{race.text}: VDOT {vdot:.1f}", "", "Equivalent race times"]
    for name, seconds in equivalent_times(vdot).items():
        lines.append(f"  {name:<9} {format_race_time(seconds):>8}")
    lines += ["", "Training paces"]
    head = ("", "", "per km", "per mile", "400 m", "200 m")
    rows = [head]
    for zone, name in ZONE_NAMES.items():
        fast, slow = paces.zone(zone)
        rows.append(
            (
                zone,
                name,
                _span(fast, slow, 1000),
                _span(fast, slow, MILE_M),
                _span(fast, slow, 400),
                _span(fast, slow, 200),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    for r in rows:
        cells = [r[0].ljust(widths[0]), r[1].ljust(widths[1])]
        cells += [r[i].rjust(widths[i]) for i in range(2, 6)]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _settings_race(args: argparse.Namespace) -> str | None:
    """The settings file's [runner] race, for `speedtimer paces` with no race given."""
    from speedtimer.config.paths import Paths
    from speedtimer.config.settings import load_settings

    paths = Paths.resolve(config_dir=getattr(args, "config_dir", None))
    race = load_settings(paths.settings_file)[0].race
    return race.text if race is not None else None


def cmd_paces(args: argparse.Namespace) -> int:
    text = " ".join(args.race) or _settings_race(args)
    if text is None:
        print(
            f"speedtimer paces: give a race, e.g. {RACE_EXAMPLE}, or set [runner] race in the "
            "settings (speedtimer config edit)",
            file=sys.stderr,
        )
        return 2
    try:
        out = json.dumps(paces_json(text)) if args.json else paces_text(text)
    except PaceError as exc:
        print(f"speedtimer paces: {exc}", file=sys.stderr)
        return 1
    print(out)
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="speedtimer paces",
        description="VDOT, equivalent race times and training paces from a race result",
    )
    add_arguments(parser)
    return cmd_paces(parser.parse_args(argv))
