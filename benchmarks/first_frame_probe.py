"""`python -m benchmarks.first_frame_probe [--runs N] LABEL=TREE ...`: the first frame, timed
from inside, to compare versions of speedtimer with each other and with a bare Textual app.

Figure 3 times the first frame from outside (tmux's `new-window` to the capture that shows
the menu), as a user sees it; its polling and tmux's own work add 40-90 ms to every program
alike, and on a loaded machine the bare app's figure moves by 100 ms between runs. This probe
says where the time went between two versions (issue 17's before/after): each program runs in
a window of a private tmux server (a real terminal, Textual's real driver), and the time is
taken from a `date` just before `exec` to the driver's first write of a frame (over 1,000
bytes) that lists the presets (a bundled preset's line is in it); for the bare Textual app
(LABEL `bare`), its first such write. The probe's hook goes in as the program imports
Textual's driver, so nothing runs before the program's own code. The programs take turns, so
a busy moment hits all alike.

TREE is a folder holding a `speedtimer/` package (a clone at another commit, say); it is
compiled first (`compileall`), as `scripts/setup.sh` does. Prints the median, min and max of
each and the ratio to `bare` when it is given, and the median CPU time (user and system) the
process used up to that frame: a steadier figure on a busy machine than the wall clock.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import PY, REPO, Tmux, child_env, shell_quote, temp_dir

PROBE = """
import importlib.abc, importlib.util, os, sys, time
T0 = float(os.environ["PROBE_T0"])
BARE = bool(os.environ.get("PROBE_BARE"))
state = {"t": None, "cpu": None}

def patch(driver_class):
    write = driver_class.write
    def probed(self, data):
        if state["t"] is None and len(data) > 1000 and (BARE or MARK in data):
            state["t"] = time.time()
            state["cpu"] = time.process_time()
            self._app.set_timer(0.3, self._app.exit)
        return write(self, data)
    driver_class.write = probed

class PatchDriverOnImport(importlib.abc.MetaPathFinder):
    # Nothing is imported before the program's own code: the probe's hook goes in when the
    # program imports Textual's driver, so the program starts exactly as it does for a user.
    def find_spec(self, name, path, target=None):
        if name != "textual.drivers.linux_driver":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            patch(module.LinuxDriver)
        spec.loader.exec_module = exec_module
        return spec

MARK = "10 x 1 min on / 1 min off"  # the first bundled preset: the frame lists them
sys.meta_path.insert(0, PatchDriverOnImport())
if BARE:
    from textual.app import App
    from textual.widgets import Digits
    class Bare(App):
        def compose(self):
            yield Digits("12:34")
            yield Digits("ready")
    Bare().run()
else:
    from speedtimer.cli.main import main
    main(sys.argv[1:])
with open(os.environ["PROBE_OUT"], "a") as f:
    label, wall, cpu = os.environ["PROBE_LABEL"], 1000 * (state["t"] - T0), 1000 * state["cpu"]
    print(f"{label} {wall:.1f} {cpu:.1f}", file=f)
"""


def measure(
    specs: list[tuple[str, Path]], runs: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The first frame's time (wall clock) and the process's CPU time up to it, in ms, of
    each program in each round."""
    results: dict[str, list[float]] = {label: [] for label, _ in specs}
    cpu: dict[str, list[float]] = {label: [] for label, _ in specs}
    with temp_dir() as tmp, Tmux() as tmux:
        home, out, probe = tmp / "home", tmp / "times.txt", tmp / "probe.py"
        home.mkdir()
        (home / ".asoundrc").write_text("pcm.!default { type null }\n")
        probe.write_text(PROBE)
        tmux.start(child_env(home))
        for _, tree in specs:
            subprocess.run([PY, "-m", "compileall", "-q", str(tree / "speedtimer")],
                           capture_output=True, timeout=120, check=False)  # fmt: skip
        for i in range(runs + 1):  # the first round warms the file cache, and is left out
            for label, tree in specs:
                env = [f"PYTHONPATH={tree}", f"PROBE_LABEL={label}", f"PROBE_OUT={out}"]
                args = [] if label == "bare" else [
                    "--config-dir", str(tmp / "config"), "--data-dir", str(tmp / "data"), "--mute"
                ]  # fmt: skip
                if label == "bare":
                    env.append("PROBE_BARE=1")
                command = shell_quote(["env", *env, PY, str(probe), *args])
                before = out.read_text().count("\n") if out.exists() else 0
                tmux.window(f"{label}-{i}", f"env PROBE_T0=$(date +%s.%N) {command}")
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    if out.exists() and out.read_text().count("\n") > before:
                        break
                    time.sleep(0.05)
                lines = out.read_text().splitlines() if out.exists() else []
                if i and len(lines) > before:
                    _, wall, used = lines[-1].split()
                    results[label].append(float(wall))
                    cpu[label].append(float(used))
    return results, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.first_frame_probe",
                                     description=__doc__)  # fmt: skip
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("specs", nargs="*", help=f"LABEL=TREE (default: bare={REPO} now={REPO})")
    args = parser.parse_args(argv)
    raw = args.specs or [f"bare={REPO}", f"now={REPO}"]
    specs = [(s.split("=", 1)[0], Path(s.split("=", 1)[1]).resolve()) for s in raw]
    results, cpu = measure(specs, max(1, min(args.runs, 100)))
    bare = statistics.median(results["bare"]) if results.get("bare") else None
    bare_cpu = statistics.median(cpu["bare"]) if cpu.get("bare") else None
    for label, values in results.items():
        if not values:
            print(f"{label:10s} no frame seen")
            continue
        mid, used = statistics.median(values), statistics.median(cpu[label])
        ratio = f"  ratio {mid / bare:.2f}" if bare else ""
        cpu_ratio = f" (ratio {used / bare_cpu:.2f})" if bare_cpu else ""
        print(f"{label:10s} median {mid:6.1f} ms  min {min(values):6.1f}  max {max(values):6.1f}"
              f"  n={len(values)}{ratio};  CPU {used:6.1f} ms{cpu_ratio}")  # fmt: skip
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
