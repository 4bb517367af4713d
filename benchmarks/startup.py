"""Figure 3: process start to the menu's first frame; `--version`, `paces` and `presets list`
wall time.

First frame: a real `python -m speedtimer` process in a window of an already running private
tmux server (80x24); the clock starts just before `tmux new-window` and stops when
`capture-pane` (polled every 5 ms) first shows the menu (filter box and a category heading).
So the figure includes a tmux client call and up to one polling interval (~5-8 ms).

Measured the way a user feels it, side by side in the same minutes (the runs interleave, so a
busy moment hits all alike): speedtimer with its settings and history there (warm), speedtimer
on a first run (empty config and data folders: it creates the settings file), a bare Textual
app showing one Digits widget, and termdown's first frame. The targets are ratios to the bare
Textual app of the same run: the part of start-up that is speedtimer's own.
"""

from __future__ import annotations

import subprocess
import time

from benchmarks.common import (
    PY,
    REPO,
    Figure,
    Tmux,
    child_env,
    median,
    shell_quote,
    temp_dir,
    write_presets,
)


def _menu_shown(screen: str) -> bool:
    return "Type to filter" in screen and "INTERVALS" in screen


def first_frame(tmux: Tmux, cmd: str, name: str, timeout: float = 15.0) -> float | None:
    t0 = time.monotonic()
    tmux.window(name, cmd)
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if _menu_shown(tmux.capture(name)):
            took = time.monotonic() - t0
            tmux.kill_window(name)
            return took * 1000
        time.sleep(0.005)
    tmux.kill_window(name)
    return None


BARE_TEXTUAL = """\
from textual.app import App
from textual.widgets import Digits


class Bare(App):
    def compose(self):
        yield Digits("12:34")
        yield Digits("ready")


Bare().run()
"""


def first_output(tmux: Tmux, cmd: str, name: str, needle: str, timeout: float = 15.0):
    """Like `first_frame`, for another program: until `needle` (or, when empty, anything)."""
    t0 = time.monotonic()
    tmux.window(name, cmd)
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        screen = tmux.capture(name)
        if (needle in screen) if needle else screen.strip():
            took = time.monotonic() - t0
            tmux.kill_window(name)
            return took * 1000
        time.sleep(0.005)
    tmux.kill_window(name)
    return None


def wall_ms(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        proc = subprocess.run(argv, env=env, capture_output=True, timeout=30)
        times.append((time.monotonic() - t0) * 1000)
        if proc.returncode != 0:
            raise RuntimeError(f"{argv}: {proc.stderr.decode(errors='replace')[-500:]}")
    return median(times), times


def compile_bytecode() -> None:
    """speedtimer's .pyc files written before anything is timed, as `scripts/setup.sh` (and
    pip, for an installed copy) does: with PYTHONDONTWRITEBYTECODE set and a module changed
    since its .pyc, every start would compile it again, a cost no user's start pays (Textual's
    .pyc files were compiled when it was installed)."""
    subprocess.run([PY, "-m", "compileall", "-q", str(REPO / "speedtimer")],
                   capture_output=True, timeout=120, check=False)  # fmt: skip


def run(quick: bool) -> list[Figure]:
    runs = 2 if quick else 9
    compile_bytecode()
    group = "3 Start-up"
    with temp_dir() as tmp:
        many, data, config, home = (tmp / n for n in ("many", "data", "config", "home"))
        for d in (data, config, home):
            d.mkdir()
        write_presets(many, 500)
        (home / ".asoundrc").write_text("pcm.!default { type null }\n")
        env = child_env(home)
        base = [PY, "-m", "speedtimer", "--data-dir", str(data), "--config-dir", str(config)]
        res: dict[str, list[float]] = {"bundled": [], "500": [], "first": [], "bare": [],
                                       "termdown": []}  # fmt: skip
        bare_app = tmp / "bare_textual.py"
        bare_app.write_text(BARE_TEXTUAL)
        termdown = _termdown()
        with Tmux() as tmux:
            tmux.start(env)
            # one untimed run of each to warm the file cache and the .pyc files
            first_frame(tmux, shell_quote(base), "warm")
            first_output(tmux, shell_quote([PY, str(bare_app)]), "warm-bare", "")
            for i in range(runs):
                fresh = tmp / f"fresh-{i}"
                first_run = [PY, "-m", "speedtimer", "--data-dir", str(fresh / "data"),
                             "--config-dir", str(fresh / "config")]  # fmt: skip
                for key, argv in (
                    ("bundled", base),
                    ("500", [*base, "--presets-dir", str(many)]),
                    ("first", first_run),
                ):
                    ms = first_frame(tmux, shell_quote(argv), f"{key}-{i}")
                    if ms is not None:
                        res[key].append(ms)
                ms = first_output(tmux, shell_quote([PY, str(bare_app)]), f"bare-{i}", "")
                if ms is not None:
                    res["bare"].append(ms)
                if termdown:
                    ms = first_output(tmux, shell_quote([termdown, "20m"]), f"td-{i}", "")
                    if ms is not None:
                        res["termdown"].append(ms)
        version, vt = wall_ms([PY, "-m", "speedtimer", "--version"], env, runs + 2)
        paces, pt = wall_ms([PY, "-m", "speedtimer", "paces", "5k 19:57"], env, runs + 2)
        listing, lt = wall_ms([*base, "presets", "list"], env, runs + 2)
        listing500, _ = wall_ms([*base, "--presets-dir", str(many), "presets", "list"], env, runs)
        bare, _ = wall_ms([PY, "-c", "pass"], env, runs + 2)

    def med(key: str) -> float | None:
        return median(res[key]) if res[key] else None

    def spread(key: str) -> str:
        v = res[key]
        return f"median of {len(v)}, min {min(v):.0f}, max {max(v):.0f} ms" if v else "no frame"

    bare_ms = med("bare")

    def ratio(key: str) -> float | None:
        return med(key) / bare_ms if med(key) and bare_ms else None

    return [
        Figure(group, "first screen vs bare Textual app (warm)", ratio("bundled"), "x", 1.2,
               note=f"{med('bundled') or 0:.0f} ms / bare Textual {bare_ms or 0:.0f} ms"),
        Figure(group, "first screen vs bare Textual app (first run)", ratio("first"), "x", 1.5,
               note=f"empty config and data: {spread('first')}"),
        Figure(group, "baseline bare Textual app (Digits): first frame", bare_ms, "ms",
               note=spread("bare")),
        Figure(group, "baseline termdown 20m: first frame", med("termdown"), "ms",
               note=spread("termdown") if termdown else "termdown not installed"),
        Figure(group, "first menu frame, bundled presets", med("bundled"), "ms", 400,
               note=spread("bundled"), extra={"runs": res}),
        Figure(group, "first menu frame, + 500 presets", med("500"), "ms", 700,
               note=spread("500")),
        Figure(group, "speedtimer --version", version, "ms", 150,
               note=f"median of {len(vt)}; bare `python -c pass` {bare:.0f} ms"),
        Figure(group, "speedtimer paces \"5k 19:57\"", paces, "ms", 100,
               note=f"median of {len(pt)}; whole process"),
        Figure(group, "speedtimer presets list (bundled)", listing, "ms",
               note=f"median of {len(lt)}"),
        Figure(group, "speedtimer presets list (+ 500)", listing500, "ms"),
    ]  # fmt: skip


def _termdown() -> str | None:
    import shutil
    from pathlib import Path

    found = shutil.which("termdown")
    if found:
        return found
    beside = Path(PY).with_name("termdown")
    return str(beside) if beside.exists() else None
