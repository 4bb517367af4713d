"""Figure 7, coach mode: how true an athlete key's mark is (issue 15).

The real app runs a group session in tmux (8 athletes x 10 reps, 2 x 2 with --quick); each
athlete's key is sent at a known moment (the wall clock read just before a `send-keys` command
is written to a tmux client in control mode: a `tmux send-keys` process per key took 5-8 ms
to start, and the key arrived somewhere inside that, which the error then counted),
and the split the history recorded for that athlete is compared with the time from the rep's
start (as recorded) to that moment. The error counts everything between the coach's finger
and the history: tmux delivering the key, the terminal, Textual's input thread, the event
loop. The rep's start is stored to the millisecond, so each error is known to +-1 ms.

Then the CPU of the group run screen with 12 athletes while a rep runs (their times counting),
against the solo run screen on the same rep (issue 15: at most 1.5 x) and termdown (below it),
the three side by side over the same 30 s.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time
from datetime import datetime

from benchmarks.common import (
    REPO,
    Figure,
    Tmux,
    child_env,
    percentile,
    shell_quote,
    temp_dir,
    wait_for,
)
from benchmarks.cpu_mem import _venv_bin, measure_together

PY = sys.executable
NAMES = ["Ana", "Ben", "Cy", "Dee", "Eve", "Finn", "Gus", "Hal"]


def _preset(reps: int) -> str:
    return f"""
name = "Coach marks"
countdown = 1
[[steps]]
repeat = {reps}
skip_last_rest = true
[[steps.steps]]
kind = "work"
until = "lap"
distance_m = 400
[[steps.steps]]
kind = "rest"
duration = 1
"""


def run(quick: bool) -> list[Figure]:
    athletes, reps = (2, 2) if quick else (8, 10)
    group = "7 Coach mode"
    with temp_dir() as tmp, Tmux(100, 30) as tmux:
        presets, data, config, home = (tmp / n for n in ("presets", "data", "config", "home"))
        for d in (presets, data, config / "squads", home):
            d.mkdir(parents=True)
        (home / ".asoundrc").write_text("pcm.!default { type null }\n")
        (presets / "marks.toml").write_text(_preset(reps))
        squad = 'name = "Bench"\n' + "".join(
            f'[[athletes]]\nname = "{n}"\n' for n in NAMES[:athletes]
        )
        (config / "squads" / "bench.toml").write_text(squad)
        env = child_env(home)
        tmux.start(env)
        command = shell_quote(
            [PY, "-m", "speedtimer", "--presets-dir", str(presets), "--data-dir", str(data),
             "--config-dir", str(config), "--get-ready", "0", "--mute",
             "run", "Coach marks", "--squad", "Bench"]
        )  # fmt: skip
        tmux.window("app", f"env -C {REPO} {command}")
        sent: dict[tuple[str, int], float] = {}  # (athlete, rep) -> wall time the key went
        with tmux.control() as keys:  # no tmux process started per key
            for rep in range(1, reps + 1):
                shown = wait_for(
                    lambda rep=rep: "WORK" in (s := tmux.capture("app")) and f"Rep {rep}/" in s,
                    15,
                )
                if not shown:
                    raise RuntimeError(f"rep {rep} never started:\n{tmux.capture('app')}")
                time.sleep(0.4)
                for i, name in enumerate(NAMES[:athletes]):
                    time.sleep(0.13 + 0.011 * i)
                    sent[(name, rep)] = keys.send("app", str(i + 1))
            time.sleep(0.2)
            acks = list(keys.acks)
        # tmux's reply to each send-keys (the first after it): the key was in the pane by then
        sending = []
        for at in sorted(sent.values()):
            reply = next((a for a in acks if a >= at), None)
            if reply is not None:
                sending.append((reply - at) * 1000)
        if not wait_for(lambda: "Session complete" in tmux.capture("app"), 15):
            raise RuntimeError(f"the session never ended:\n{tmux.capture('app')}")
        time.sleep(0.7)  # the summary takes no key in the first half second (a burst's)
        tmux.send("app", "Escape")
        time.sleep(0.5)
        tmux.send("app", "C-q")
        time.sleep(1.0)
        with sqlite3.connect(data / "history.sqlite3") as db:
            rows = db.execute(
                "SELECT s.athlete, st.rep, st.started_at, st.split_s FROM sessions s"
                " JOIN steps st ON st.session_id = s.id WHERE st.kind = 'work'"
            ).fetchall()
    errors, signed = [], []
    for athlete, rep, started, split in rows:
        start = datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
        error = (split - (sent[(athlete, rep)] - start)) * 1000
        signed.append(error)
        errors.append(abs(error))
    count = f"{len(errors)} marks of {len(sent)} keys ({athletes} athletes x {reps} reps)"
    if len(errors) != len(sent):
        return [Figure(group, "marks recorded", len(errors), "", len(sent), True, note=count)]
    late = sum(1 for e in signed if e > 0)
    return _cpu(group, quick) + [
        Figure(group, "mark error p95", percentile(errors, 95), "ms", 5.0, note=count),
        Figure(
            group, "mark error max", max(errors), "ms", 20.0,
            note=f"from before send-keys to the history, +-1 ms; {late} of {len(signed)} late",
        ),
        Figure(
            group, "tmux send-keys, write to reply (median)",
            percentile(sending, 50) if sending else None, "ms",
            note="control mode (tmux -C): the key reached the pane inside this, which the "
            "error above includes",
        ),
    ]  # fmt: skip


def _cpu(group: str, quick: bool) -> list[Figure]:
    """The solo screen, the group screen and termdown run side by side (each in its own tmux
    window, each well under 1 % of a core) and are measured over the same window: measured one
    after the other, the machine's own drift from one minute to the next was as large as the
    difference being measured."""
    seconds, settle = (5.0, 1.0) if quick else (30.0, 3.0)
    results = {}
    with temp_dir() as tmp, Tmux(100, 30) as tmux:
        presets, config, home = (tmp / n for n in ("presets", "config", "home"))
        for d in (presets, config / "squads", home):
            d.mkdir(parents=True)
        (home / ".asoundrc").write_text("pcm.!default { type null }\n")
        (presets / "marks.toml").write_text(_preset(1))
        names = [f"Runner {i}" for i in range(12)]
        (config / "squads" / "twelve.toml").write_text(
            'name = "Twelve"\n' + "".join(f'[[athletes]]\nname = "{n}"\n' for n in names)
        )
        tmux.start(child_env(home))
        pids = {}
        for name, extra in (("solo", []), ("group", ["--squad", "Twelve"])):
            base = [
                PY, "-m", "speedtimer", "--presets-dir", str(presets),
                "--data-dir", str(tmp / f"data-{name}"), "--config-dir", str(config),
                "--get-ready", "0", "--mute", "run", "Coach marks",
            ]  # fmt: skip
            pids[name] = tmux.window(name, f"env -C {REPO} {shell_quote(base + extra)}")
        for name in list(pids):
            if not wait_for(lambda name=name: "WORK" in tmux.capture(name), 15):
                raise RuntimeError(f"{name}: the rep never started:\n{tmux.capture(name)}")
        termdown = shutil.which("termdown") or _venv_bin("termdown")
        if termdown:
            pids["termdown"] = tmux.window("termdown", shell_quote([termdown, "20m"]))
        results = measure_together(pids, seconds, settle)
    solo, grp = results["solo"], results["group"]
    figs = [
        Figure(group, "group screen CPU, 12 athletes", grp, "% core", 1.5 * solo,
               target_text=f"<= 1.5 x solo ({1.5 * solo:.2f} %)",
               note=f"{seconds:.0f} s of a running rep, side by side; solo {solo:.2f} %"),
    ]  # fmt: skip
    if "termdown" in results:
        td = results["termdown"]
        figs.append(
            Figure(group, "group screen CPU vs termdown", grp, "% core", td,
                   target_text=f"< termdown ({td:.2f} %)",
                   note="termdown 20m, side by side, the same window")
        )  # fmt: skip
    return figs
