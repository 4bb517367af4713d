"""Figure 2: CPU (fraction of one core, whole process tree) and peak RSS while a step runs.

Each program runs in tmux (80x24); after a settling pause, the CPU time of the process and all
its children (for the app: the audio player) is read at the start and end of the window. The
count is the scheduler's, in nanoseconds, of every thread (/proc/PID/task/TID/schedstat), so
even the quick mode's 10 s (a few tens of milliseconds of CPU) is measured, not rounded to
10 ms ticks; the tick count of /proc/PID/stat is kept beside it and used instead should
threads come and go during the window (their time would be missing from the first).
Peak RSS is the kernel's high-water mark (VmHWM) of the main process; the tree's is sampled.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from pathlib import Path

import psutil

from benchmarks.common import PY, Figure, Tmux, child_env, proc_status_mb, shell_quote, temp_dir

LONG_PRESET = """name = "Bench long step"
category = "custom"
countdown = 3

[[steps]]
kind = "work"
label = "Steady"
duration = "20:00"
"""


def _tree(root: int) -> list[int]:
    try:
        proc = psutil.Process(root)
        return [root, *(c.pid for c in proc.children(recursive=True))]
    except psutil.Error:
        return [root]


def _read_int_fields(path: str) -> list[str] | None:
    try:
        with open(path) as f:
            return f.read().split()
    except OSError:
        return None


def tree_cpu(root: int) -> tuple[dict[tuple[int, int], int], dict[int, float]]:
    """On-CPU time of every thread of the tree, in nanoseconds (the scheduler's own count in
    /proc/PID/task/TID/schedstat), and each process's utime+stime+children's in seconds
    (/proc/PID/stat, in 10 ms ticks), to check the first against."""
    threads: dict[tuple[int, int], int] = {}
    ticks: dict[int, float] = {}
    hz = os.sysconf("SC_CLK_TCK")
    for pid in _tree(root):
        stat = _read_int_fields(f"/proc/{pid}/stat")
        if stat is None:
            continue
        # fields after the ")" of the command name: utime is the 14th field of the line
        rest = stat[[i for i, f in enumerate(stat) if f.endswith(")")][-1] + 1 :]
        ticks[pid] = sum(int(v) for v in rest[11:15]) / hz
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                fields = _read_int_fields(f"/proc/{pid}/task/{tid}/schedstat")
                if fields:
                    threads[(pid, int(tid))] = int(fields[0])
    return threads, ticks


def cpu_seconds(before, after) -> tuple[float, float]:
    """(from schedstat, from ticks) used between two tree_cpu() readings. Threads that ended
    in between are missing from the first figure but counted in the second."""
    t0, k0 = before
    t1, k1 = after
    precise = sum(ns - t0.get(key, 0) for key, ns in t1.items()) / 1e9
    coarse = sum(v - k0.get(pid, 0.0) for pid, v in k1.items())
    return precise, coarse


def measure(pid: int, seconds: float, settle: float) -> dict:
    root = psutil.Process(pid)
    time.sleep(settle)
    before = tree_cpu(pid)
    t0 = time.monotonic()
    peak_tree = 0.0
    end = t0 + seconds
    while time.monotonic() < end:
        rss = 0
        with contextlib.suppress(psutil.Error):
            for p in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
        peak_tree = max(peak_tree, rss / 2**20)
        time.sleep(min(0.5, max(0.0, end - time.monotonic())))
    after = tree_cpu(pid)
    wall = time.monotonic() - t0
    precise, coarse = cpu_seconds(before, after)
    # Short-lived threads leave the precise count; then the ticks (10 ms each) say more.
    ticks_more = coarse - precise > 0.02 * max(1, len(after[1]))
    used = coarse if ticks_more or not after[0] else precise
    return {
        "cpu_pct": 100 * used / wall,
        "cpu_source": "ticks" if ticks_more or not after[0] else "schedstat",
        "cpu_s": used,
        "cpu_ticks_s": coarse,
        "rss_mb": proc_status_mb(pid, "VmHWM"),
        "tree_rss_mb": peak_tree,
        "processes": len(after[1]),
        "threads": len(after[0]),
        "seconds": wall,
    }


def measure_together(pids: dict[str, int], seconds: float, settle: float) -> dict[str, float]:
    """The CPU (% of a core, each process tree) of programs running side by side, over one
    and the same window: on a shared machine whose speed drifts from minute to minute, the
    fairest comparison of programs that each use well under 1 % of a core."""
    time.sleep(settle)
    before = {name: tree_cpu(pid) for name, pid in pids.items()}
    t0 = time.monotonic()
    time.sleep(seconds)
    after = {name: tree_cpu(pid) for name, pid in pids.items()}
    wall = time.monotonic() - t0
    result = {}
    for name in pids:
        precise, coarse = cpu_seconds(before[name], after[name])
        ticks_more = coarse - precise > 0.02 * max(1, len(after[name][1]))
        used = coarse if ticks_more or not after[name][0] else precise
        result[name] = 100 * used / wall
    return result


def run(quick: bool) -> list[Figure]:
    seconds = 10.0 if quick else 30.0
    settle = 2.0 if quick else 3.0
    group = "2 CPU and memory"
    results: dict[str, dict] = {}
    with temp_dir() as tmp:
        presets, data, config, home = (tmp / n for n in ("presets", "data", "config", "home"))
        for d in (presets, data, config, home):
            d.mkdir()
        (presets / "long.toml").write_text(LONG_PRESET)
        # No sound card needed: the player plays into ALSA's null device.
        (home / ".asoundrc").write_text("pcm.!default { type null }\n")
        env = child_env(home)
        programs = {
            "speedtimer": shell_quote(
                [
                    PY,
                    "-m",
                    "speedtimer",
                    "--presets-dir",
                    str(presets),
                    "--data-dir",
                    str(data),
                    "--config-dir",
                    str(config),
                    "--get-ready",
                    "0",
                    "run",
                    "Bench long step",
                ]
            ),  # fmt: skip
            "textual_digits_10hz": shell_quote([PY, "-m", "benchmarks.baselines", "digits"]),
        }
        termdown = shutil.which("termdown") or _venv_bin("termdown")
        if termdown:
            programs["termdown"] = shell_quote([termdown, "20m"])
        with Tmux() as tmux:
            tmux.start(env)
            if quick:  # all at once: the figures are small and the time is short
                pids = {name: tmux.window(name, cmd) for name, cmd in programs.items()}
                import concurrent.futures as cf

                with cf.ThreadPoolExecutor(len(pids)) as ex:
                    futs = {n: ex.submit(measure, pid, seconds, settle) for n, pid in pids.items()}
                    results = {n: f.result() for n, f in futs.items()}
            else:
                for name, cmd in programs.items():
                    pid = tmux.window(name, cmd)
                    results[name] = measure(pid, seconds, settle)
                    tmux.kill_window(name)
            screen = tmux.capture("speedtimer") if quick else ""
    app = results["speedtimer"]
    td = results.get("termdown")
    dg = results["textual_digits_10hz"]
    mode = "run side by side" if quick else "one at a time"
    figs = [
        Figure(group, "app CPU, process tree (incl. player)", app["cpu_pct"], "% core",
               td["cpu_pct"] if td else 0.6,
               target_text=(f"< termdown ({td['cpu_pct']:.2f} %); aim 0.6 %" if td else "<= 0.6 %"),
               note=f"{app['seconds']:.0f} s in a 20 min timed step, {app['processes']} processes, "
                    f"{mode}; {app['cpu_source']}",
               extra={"all": results, "screen": screen[-400:]}),
        Figure(group, "app CPU vs the 0.6 % aim", app["cpu_pct"], "% core", 0.6),
        Figure(group, "app peak RSS (main process, VmHWM)", app["rss_mb"], "MB", 80,
               note=f"tree incl. player: {app['tree_rss_mb']:.0f} MB"),
        Figure(group, "baseline termdown 20m: CPU", td["cpu_pct"] if td else None, "% core",
               note=(f"RSS {td['rss_mb']:.0f} MB" if td else "termdown not installed")),
        Figure(group, "baseline Textual Digits @10 Hz: CPU", dg["cpu_pct"], "% core",
               note=f"RSS {dg['rss_mb']:.0f} MB"),
    ]  # fmt: skip
    return figs


def _venv_bin(name: str) -> str | None:
    p = Path(PY).parent / name
    return str(p) if p.exists() else None
