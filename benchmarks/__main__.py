"""`python -m benchmarks [--quick] [--only N,...] [--soak]`: speedtimer's performance figures.

Prints a table (figure, measured, target, PASS/FAIL) and the machine, and writes
bench-results/latest.json. --quick uses tiny sizes (about a minute) for CI, which checks that
the suite runs, not its figures: it exits 0 whatever the figures, and 1 only when a part of the
suite broke (raised, or had no tmux), so a benchmark cannot rot unnoticed. The full run exits 1
when any target is missed or a figure could not be measured.

--soak runs the long real-time tests instead (pytest's `slow` marker, left out of `./test`):
the app for 10 minutes in tmux, printing its RSS at the start and the end (benchmarks/soak.py),
and exits with pytest's status.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

from benchmarks.common import REPO, Figure, have_tmux, machine

SUITES = {
    "1": ("cue timing", "benchmarks.cue_timing", True),
    "2": ("CPU and memory", "benchmarks.cpu_mem", True),
    "3": ("start-up", "benchmarks.startup", True),
    "4": ("history at scale", "benchmarks.history_scale", False),
    "5": ("presets", "benchmarks.presets_load", False),
    "6": ("activity export", "benchmarks.activity_export", False),
    "7": ("coach mode marks", "benchmarks.coach_marks", True),
}


def table(figs: list[Figure]) -> str:
    rows = [("figure", "measured", "target", "result", "notes")]
    for f in figs:
        rows.append((f"{f.group[:1]}. {f.name}", f.measured_text(), f.target_str(), f.verdict,
                     f.note))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for k, r in enumerate(rows):
        lines.append(
            "  ".join(r[i].ljust(widths[i]) if i != 1 else r[i].rjust(widths[i]) for i in range(4))
            + ("  " + r[4] if r[4] else "")
        )
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  -----")
    return "\n".join(lines)


def markdown(figs: list[Figure]) -> str:
    lines = ["| figure | measured | target | result | notes |", "| --- | ---: | --- | --- | --- |"]
    for f in figs:
        cells = [f"{f.group[:1]}. {f.name}", f.measured_text(), f.target_str(), f.verdict, f.note]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def soak() -> int:
    """The tests marked slow, with their figures printed as they go."""
    import subprocess

    command = [sys.executable, "-m", "pytest", "-m", "slow", "-q", "-rA", "tests"]
    print("speedtimer soak:", " ".join(command[2:]), flush=True)
    return subprocess.run(command, cwd=REPO).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, ~1 min; exit 1 only if a part broke"
    )
    parser.add_argument("--only", default="", help="comma-separated figure numbers, e.g. 1,3")
    parser.add_argument(
        "--soak", action="store_true", help="the long real-time soak tests (about 11 minutes)"
    )
    parser.add_argument(
        "--output", type=Path, default=REPO / "bench-results" / "latest.json", help="JSON file"
    )
    args = parser.parse_args(argv)
    if args.soak:
        return soak()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()] or list(SUITES)

    info = machine()
    mode = "quick" if args.quick else "full"
    print(f"speedtimer benchmarks ({mode})")
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB; "
        f"{info['os']}; Python {info['python']}, Textual {info['textual']}; {info['date']}"
    )
    figs: list[Figure] = []
    errors: dict[str, str] = {}
    started = time.monotonic()
    for key in chosen:
        title, module, needs_tmux = SUITES[key]
        t0 = time.monotonic()
        print(f"  running {key}. {title}...", flush=True)
        if needs_tmux and not have_tmux():
            errors[key] = "tmux is not installed"
            figs.append(Figure(f"{key} {title}", "(skipped: no tmux)", None, ""))
            continue
        try:
            mod = __import__(module, fromlist=["run"])
            got = mod.run(args.quick)
        except Exception as exc:  # one broken figure must not hide the others
            errors[key] = "".join(traceback.format_exception(exc))[-2000:]
            print(errors[key], file=sys.stderr)
            got = [Figure(f"{key} {title}", f"(error: {type(exc).__name__}: {exc})"[:120], None,
                          "", target=0)]  # fmt: skip
        figs += got
        print(f"  ... {time.monotonic() - t0:.1f} s", flush=True)

    print()
    print(table(figs))
    failed = [f for f in figs if f.verdict == "FAIL"]
    total = time.monotonic() - started
    print(f"\n{len(failed)} of {sum(1 for f in figs if f.target is not None)} targets missed; "
          f"{total:.0f} s")  # fmt: skip

    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "mode": mode,
                "parts": chosen,
                "machine": info,
                "seconds": total,
                "figures": [f.to_json() for f in figs],
                "markdown": markdown(figs),
                "errors": errors,
            },
            indent=2,
            default=str,
        )
    )
    print(f"written: {args.output}")
    if errors:
        print(f"broken: {', '.join(sorted(errors))} (see above)", file=sys.stderr)
    if args.quick:
        return 1 if errors else 0
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
