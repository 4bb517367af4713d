"""`python -m benchmarks.report`: put the last run's table into the README and RESULTS.md.

Reads bench-results/latest.json (written by `python -m benchmarks`) and replaces what lies
between the BEGIN and END markers in README.md's Performance section and in
benchmarks/RESULTS.md with the machine, the date and the table, so the published figures
are always one run's, copied by a program. A quick run is refused unless --quick is given
(its tiny sizes are not the figures the targets speak of), and so is a run of some figures
only (`--only`) unless --partial is given. --merge puts a run of some figures (or some routes
of figure 1, SPEEDTIMER_BENCH_ROUTES) into the table already there, row by row, and says so
under it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.__main__ import SUITES
from benchmarks.common import REPO

BEGIN = "<!-- benchmark table: begin (python -m benchmarks.report writes it) -->"
END = "<!-- benchmark table: end -->"
FILES = (REPO / "README.md", REPO / "benchmarks" / "RESULTS.md")


def block(results: dict) -> str:
    m = results["machine"]
    figures = results["figures"]
    with_target = [f for f in figures if f.get("target") is not None]
    missed = [f for f in with_target if f.get("verdict") == "FAIL"]
    date = str(m["date"])[:10]
    parts = results.get("parts") or list(SUITES)
    lines = [
        BEGIN,
        f"Measured with `python -m benchmarks` ({results['mode']} run, "
        f"{results['seconds']:.0f} s) on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; "
        f"{m['os']}; Python {m['python']}, Textual {m['textual']}; {date}. "
        f"{len(with_target) - len(missed)} of {len(with_target)} targets met."
        + (f" Figures {', '.join(parts)} only." if sorted(parts) != sorted(SUITES) else ""),
        "",
        results["markdown"],
    ]
    if results.get("errors"):
        lines += ["", "Parts that broke: " + ", ".join(sorted(results["errors"])) + "."]
    lines.append(END)
    return "\n".join(lines)


def replace_block(text: str, new: str, where: Path) -> str:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{where}: no benchmark table markers ({BEGIN} ... {END})")
    return text[:start] + new + text[end + len(END) :]


MERGED = "Rows merged from a later run of some figures"


def merge_rows(old_block: str, results: dict) -> str:
    """The table already there, with the rows of `results` put in: a row of the same figure
    replaced, a new one after the last row of its group; one line says which run they are."""
    m = results["machine"]
    new_rows = [ln for ln in results["markdown"].splitlines()[2:] if ln.startswith("| ")]
    lines = old_block.splitlines()
    key = lambda row: row.split("|")[1].strip()  # noqa: E731
    for row in new_rows:
        at = next((i for i, ln in enumerate(lines) if ln.startswith("| ") and key(ln) == key(row)),
                  None)  # fmt: skip
        if at is not None:
            lines[at] = row
            continue
        group = key(row).split(".")[0] + "."
        same = [
            i for i, ln in enumerate(lines) if ln.startswith("| ") and key(ln).startswith(group)
        ]
        tail = [i for i, ln in enumerate(lines) if ln.startswith("| ")]
        lines.insert((same or tail)[-1] + 1, row)
    targets = [f for f in results["figures"] if f.get("target") is not None]
    met = sum(1 for f in targets if f.get("verdict") == "PASS")
    note = (
        f"{MERGED} (figure {', '.join(results.get('parts') or [])}; {results['mode']} run, "
        f"{results['seconds']:.0f} s, on {m['cpu']}, {m['cores']} cores; "
        f"{str(m['date'])[:10]}; {met} of {len(targets)} of their targets met): "
        + ", ".join(key(r) for r in new_rows)
        + "."
    )
    lines = [ln for ln in lines if not ln.startswith(MERGED)]
    end = lines.index(END)
    lines.insert(end, note)
    if lines[end - 1].strip():
        lines.insert(end, "")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    parser.add_argument(
        "--input", type=Path, default=REPO / "bench-results" / "latest.json", help="JSON file"
    )
    parser.add_argument("--quick", action="store_true", help="accept a --quick run's figures")
    parser.add_argument("--partial", action="store_true", help="accept a run of some figures")
    parser.add_argument("--check", action="store_true", help="only say whether files would change")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="put this run's rows into the table already there (a run of some figures or routes)",
    )
    parser.add_argument("files", nargs="*", type=Path, help="default: README.md, RESULTS.md")
    args = parser.parse_args(argv)
    try:
        results = json.loads(args.input.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.input}: {exc}", file=sys.stderr)
        return 1
    if results.get("mode") != "full" and not args.quick:
        mode = results.get("mode")
        print(f"{args.input} holds a {mode} run; run the full suite, or pass --quick")
        return 1
    parts = results.get("parts") or []
    if sorted(parts) != sorted(SUITES) and not (args.partial or args.merge):
        some = ", ".join(parts)
        print(f"{args.input} holds figures {some} only; run them all, or pass --partial")
        return 1
    new = block(results)
    changed = []
    for path in args.files or FILES:
        text = path.read_text(encoding="utf-8")
        if args.merge:
            start, end = text.find(BEGIN), text.find(END)
            if start < 0 or end < start:
                raise SystemExit(f"{path}: no benchmark table markers ({BEGIN} ... {END})")
            new = merge_rows(text[start : end + len(END)], results)
        updated = replace_block(text, new, path)
        if updated != text:
            changed.append(path)
            if not args.check:
                path.write_text(updated, encoding="utf-8")
    verb = "would change" if args.check else "updated"
    print(f"{verb}: {', '.join(str(p) for p in changed) or 'nothing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
