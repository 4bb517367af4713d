"""Figure 1: when each cue really reaches the sound device, against when it was due.

The real app runs a generated preset in tmux with the real clock. ALSA's default device is the
`file` plugin with a null slave, writing every stream to a pipe into a tiny stamper
(benchmarks/stamp.c, compiled on the fly; a Python fallback otherwise). The stamper notes
CLOCK_REALTIME the moment its stdin first receives samples, and the stream's byte count, which
tells which cue it was (each WAV has its own length).

Due times: the timer's start (`sessions.started_at` in the history DB, the wall clock when
the first step started, less the get-ready of 1 s) plus each cue's offset in the preset
(get-ready 1 s, then the steps' durations; pips at end-2 and end-1). The offsets come from
replaying the pure timer with a fake clock and are checked against the plain sum of the step
durations.

Two baselines run at the same time: a `time.sleep(1)` loop and a minimal Textual app counting
`set_interval(1)` ticks; they record time.monotonic() at each cue (no audio path at all, which
flatters them).

The stamper stands for a sound card, which no busy CPU delays: it runs real-time (chrt) where
allowed. The busy route runs the same with a shell busy-loop on every core (issue 13). The
sound-server routes (issue 19) run the app through a headless PulseAudio or PipeWire on a null
sink, recorded from its monitor (benchmarks/sound_servers.py), with a naive `aplay &` +
`sleep` loop through the same server as the baseline; `run()` says which routes there are.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
import wave
from datetime import datetime
from pathlib import Path

from benchmarks.common import (
    PY,
    REPO,
    Figure,
    Tmux,
    child_env,
    percentile,
    shell_quote,
    temp_dir,
    wait_for,
)
from speedtimer.core.cues import BOUNDARY_CUES

STAMP_C = Path(__file__).with_name("stamp.c")
STAMP_PY = """\
import os, sys, time
def one(fd, m0):
    first = os.read(fd, 65536)
    m1, w1 = time.monotonic(), time.time()
    n = len(first)
    while True:
        b = os.read(fd, 65536)
        if not b:
            break
        n += len(b)
    if n:
        with open(sys.argv[1], "a") as f:
            f.write(f"{m0:.6f} {m1:.6f} {w1:.6f} {n}\\n")
if len(sys.argv) < 3:
    one(0, time.monotonic())
else:
    while True:
        fd = os.open(sys.argv[2], os.O_RDONLY)
        one(fd, time.monotonic())
        os.close(fd)
"""


def short_steps(n: int) -> list[int]:
    return [3 if i % 2 == 0 else 2 for i in range(n)]


def preset_text(durations: list[int]) -> str:
    body = 'name = "Bench cue timing"\ncategory = "custom"\ncountdown = 2\n'
    for i, d in enumerate(durations):
        kind = "work" if i % 2 == 0 else "rest"
        body += f'\n[[steps]]\nkind = "{kind}"\nduration = {d}\n'
    return body


def expected_cues(preset_path: Path, get_ready: float) -> list[tuple[str, float]]:
    """(cue, offset from the session start) by replaying the pure timer with a fake clock."""
    from speedtimer.formats.preset_toml import load_preset
    from speedtimer.session import Session

    now = [0.0]
    played: list[tuple[str, float]] = []

    class Recording:
        available = True
        problem = None

        def play(self, cue: str, *, at: float | None = None) -> bool:
            played.append((cue, now[0] if at is None else at))  # sent ahead: heard at `at`
            return True

        def cancel(self) -> None:
            raise AssertionError("nobody presses a key in the replay")

        def close(self) -> None:
            pass

    s = Session(
        load_preset(preset_path), audio=Recording(), clock=lambda: now[0], get_ready_s=get_ready
    )
    s.start()
    for _ in range(100_000):
        at = s.next_wake()
        if at is None:
            break
        now[0] = at
        s.tick()
    return played


WITNESS_RT = 20  # above the sound helper's SCHED_FIFO 10


def witness_rt() -> bool:
    """Can the stamper run real-time here (chrt present, and allowed)?"""
    if shutil.which("chrt") is None:
        return False
    return (
        subprocess.run(["chrt", "-f", str(WITNESS_RT), "true"], capture_output=True).returncode == 0
    )


def build_stamper(folder: Path) -> tuple[list[str], str]:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc:
        exe = folder / "stamp"
        proc = subprocess.run(
            [cc, "-O2", "-o", str(exe), str(STAMP_C)], capture_output=True, timeout=60
        )
        if proc.returncode == 0:
            return [str(exe)], "C stamper"
    script = folder / "stamp.py"
    script.write_text(STAMP_PY)
    return ["python3", "-S", "-I", str(script)], "Python stamper (adds its start-up time)"


def wav_sizes() -> dict[int, str]:
    from speedtimer.config.paths import sounds_dir
    from speedtimer.sound.audio import resolve_cue_files

    files, _ = resolve_cue_files(sounds_dir(), {})
    sizes: dict[int, str] = {}
    for cue, path in files.items():
        with wave.open(str(path), "rb") as w:
            sizes[w.getnframes() * w.getsampwidth() * w.getnchannels()] = cue
    return sizes


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def stats(errors_ms: list[float]) -> dict:
    if not errors_ms:
        return {"n": 0}
    abs_e = [abs(e) for e in errors_ms]
    return {
        "n": len(errors_ms),
        "mean": sum(abs_e) / len(abs_e),
        "mean_signed": sum(errors_ms) / len(errors_ms),
        "p95": percentile(abs_e, 95),
        "max": max(abs_e),
    }


def _baseline_result(path: Path, offsets: set[int]) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"n": 0}
    start = data["start"]
    errors = [(t - (start + off)) * 1000 for off, t in data["cues"]]
    out = stats(errors)
    bound = [(off, (t - (start + off)) * 1000) for off, t in data["cues"] if off in offsets]
    out["drift"] = _drift([e for _, e in bound])
    return out


def _drift(errors: list[float]) -> float | None:
    """How far the last boundaries moved against the first: mean error of the last 3 minus
    mean error of the first 3 (so a single noisy cue is jitter, not drift)."""
    if len(errors) < 2:
        return None
    k = min(3, len(errors) // 2)
    return abs(sum(errors[-k:]) / k - sum(errors[:k]) / k)


def run(quick: bool, routes: str = "") -> list[Figure]:
    """Every route, or those named in `routes` (comma-separated: alsa, long, busy,
    busy-normal, pulse, pipewire, quiet, and only when named pulse-busy, pipewire-busy; also
    SPEEDTIMER_BENCH_ROUTES). --quick runs the cheap ALSA route only."""
    if quick:
        return _measure(short_steps(6), "")
    chosen = {
        r.strip() for r in (routes or os.environ.get("SPEEDTIMER_BENCH_ROUTES", "")).split(",")
    }
    chosen.discard("")
    want = lambda name: not chosen or name in chosen  # noqa: E731
    figs: list[Figure] = []
    if want("alsa"):
        figs += _measure(short_steps(32), "")
    if want("long"):
        # The same, for ten minutes of real time (15 x 25 s work / 15 s rest): drift must stay
        # within the bound over a whole session, not only over a minute and a half.
        long = [25 if i % 2 == 0 else 15 for i in range(30)]
        figs += _measure(long, "10-min run: ")
    if want("busy"):
        figs += _measure(short_steps(32), "busy machine: ", busy=True)
    if want("busy-normal"):  # the same, the helper left at normal priority: what it buys
        figs += _measure(short_steps(32), "busy, helper not raised: ", busy=True, raise_=False)
    for name in ("pulse", "pipewire"):
        if want(name):
            figs += _measure_server(name)
        if want(f"{name}-busy") and chosen:  # only when asked: the same with every core busy
            figs += _measure_server(name, busy=True)
    if want("quiet"):
        figs += _measure_suspend()
    return figs


@contextlib.contextmanager
def cpu_hogs(n: int | None = None):
    """A shell busy-loop on every core (a browser, an indexer, a sync client at the track)."""
    hogs = [
        subprocess.Popen(["sh", "-c", "while :; do :; done"])
        for _ in range(n or os.cpu_count() or 2)
    ]
    try:
        yield hogs
    finally:
        for h in hogs:
            h.kill()
        for h in hogs:
            h.wait()


def _measure(
    durations: list[int], prefix: str, *, busy: bool = False, raise_: bool = True
) -> list[Figure]:
    steps = len(durations)
    get_ready = 1
    group = "1 Cue timing"
    hogs = cpu_hogs() if busy else contextlib.nullcontext()
    with temp_dir() as tmp, Tmux() as tmux, hogs, contextlib.ExitStack() as stack:
        presets, data, config, home = (tmp / n for n in ("presets", "data", "config", "home"))
        for d in (presets, data, config, home):
            d.mkdir()
        text = preset_text(durations)
        preset_path = presets / "cues.toml"
        preset_path.write_text(text)
        plan = expected_cues(preset_path, get_ready)
        # The plain sum of durations must agree with the replayed timer.
        edges = [get_ready + sum(durations[:i]) for i in range(len(durations) + 1)]
        replay_edges = [off for cue, off in plan if cue in BOUNDARY_CUES]
        assert [round(e, 6) for e in replay_edges] == [float(e) for e in edges], (
            replay_edges,
            edges,
        )

        stamper, stamper_kind = build_stamper(tmp)
        # The witness stands for a sound card: one process for the whole run reads every
        # stream from a named pipe (starting a process per stream, as `file "|cmd"` does,
        # cost up to 100 ms on a busy machine, a cost no sound card has), and it runs
        # real-time where allowed, as no busy CPU delays a sound card.
        if witness_rt():
            stamper = ["chrt", "-f", str(WITNESS_RT), *stamper]
            stamper_kind += ", real-time"
        stamper_kind += ", one process"
        log = tmp / "stamps.log"
        fifo = tmp / "pcm.fifo"
        os.mkfifo(fifo)
        witness = subprocess.Popen([*stamper, str(log), str(fifo)])
        stack.callback(witness.wait)
        stack.callback(witness.kill)
        (home / ".asoundrc").write_text(
            "pcm.!default {\n  type file\n  slave.pcm { type null }\n"
            f'  file "{fifo}"\n  format "raw"\n}}\n'
        )
        env = child_env(home, SPEEDTIMER_AUDIO_TRACE="1")
        tmux.start(env)
        app_cmd = shell_quote(
            [
                "env", f"HOME={home}", "SPEEDTIMER_AUDIO_TRACE=1",
                *([] if raise_ else ["SPEEDTIMER_AUDIO_PRIORITY=normal"]),
                *(f"{k}={v}" for k, v in _helper_env().items()),
                f"PYTHONPATH={REPO}",
                PY, "-m", "speedtimer",
                "--presets-dir", str(presets), "--data-dir", str(data),
                "--config-dir", str(config), "--get-ready", str(get_ready),
                "run", "Bench cue timing",
            ]
        )  # fmt: skip
        offsets = sorted({int(round(off)) for _, off in plan})
        naive_out, interval_out = tmp / "naive.json", tmp / "interval.json"
        base = [PY, "-m", "benchmarks.baselines"]
        tmux.window("app", f"sh -c {shell_quote([f'cd {REPO} && exec {app_cmd}'])}")
        tmux.window("naive", shell_quote([*base, "naive", json.dumps(offsets), str(naive_out)]))
        tmux.window(
            "interval", shell_quote([*base, "interval", json.dumps(offsets), str(interval_out)])
        )
        total = edges[-1]
        db = data / "history.sqlite3"

        def finished():
            if not db.exists():
                return None
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                    row = c.execute(
                        "SELECT id, started_at, status FROM sessions ORDER BY id DESC LIMIT 1"
                    ).fetchone()
            except sqlite3.Error:
                return None
            return row if row and row[2] != "in_progress" else None

        row = wait_for(finished, timeout=total + 30, interval=0.25)
        load = os.getloadavg()[0]
        # let the last streams close and the baselines write their files
        wait_for(lambda: naive_out.exists() and interval_out.exists(), timeout=10, interval=0.1)
        time.sleep(1.0)
        screen = tmux.capture("app")
        tmux.close()

        dbfile = next(iter(data.glob("*.sqlite3")), None) if not db.exists() else db
        if row is None or dbfile is None:
            raise RuntimeError(
                "the session did not finish; screen was:\n"
                + screen
                + _tail(data / "speedtimer.log")
            )
        with sqlite3.connect(f"file:{dbfile}?mode=ro", uri=True) as c:
            sid, started_at, status = row
            step_rows = c.execute(
                "SELECT started_at FROM steps WHERE session_id = ? ORDER BY rowid", (sid,)
            ).fetchall()
        # The history starts with the first step (a session ended in its get-ready is not one),
        # so the timer started the get-ready earlier: the plan's offsets count from there.
        t0 = parse_iso(started_at) - edges[0]
        # The DB's own step starts (the app's schedule) against the plan.
        db_sched_err = [
            abs(parse_iso(s) - (t0 + edges[i])) * 1000 for i, (s,) in enumerate(step_rows)
        ]

        sizes = wav_sizes()
        stamps = []
        for line in log.read_text().splitlines() if log.exists() else []:
            m0, m1, w1, n = line.split()
            stamps.append((float(m1), float(w1), int(n), float(m1) - float(m0)))
        stamps.sort()
        streams = [s for s in stamps if s[2] in sizes]  # drops the player's silent probe
        got = [sizes[s[2]] for s in streams]
        want = [cue for cue, _ in plan]
        errors: list[float] = []
        boundary: list[float] = []
        matched = 0
        j = 0
        for cue, off in plan:  # in order; a missing cue is skipped, not mismatched
            k = j
            while k < len(streams) and got[k] != cue:
                k += 1
            if k == len(streams):
                continue
            err = (streams[k][1] - (t0 + off)) * 1000
            errors.append(err)
            if cue in BOUNDARY_CUES:
                boundary.append(err)
            matched += 1
            j = k + 1
        st = stats(errors)
        drift = _drift(boundary)
        drift_ends = abs(boundary[-1] - boundary[0]) if len(boundary) >= 2 else None
        trace = _trace_delays(data / "speedtimer.log")
        prio = _priority(data / "speedtimer.log")
        naive = _baseline_result(naive_out, {int(e) for e in edges})
        interval = _baseline_result(interval_out, {int(e) for e in edges})

    note = (
        f"{steps} steps of {min(durations)}-{max(durations)} s, {len(want)} cues due, "
        f"{matched} heard ({stamper_kind}); "
        f"session {status}; load {load:.1f}"
        + (f" with {os.cpu_count()} busy-loops; helper priority {prio}" if busy else "")
    )
    extra = {
        "app": {**st, "drift": drift, "drift_first_last_cue": drift_ends},
        "cues_due": len(want),
        "cues_heard": matched,
        "streams": len(streams),
        "errors_ms": [round(e, 3) for e in errors],
        "db_schedule_max_err_ms": max(db_sched_err) if db_sched_err else None,
        "player_send_to_play_ms": trace,
        "naive_sleep_loop": naive,
        "textual_set_interval": interval,
        "load_1min": load,
    }
    complete = matched == len(want)
    if busy:  # issue 13: the targets under load (the comparison run has none), the player
        figs = [
            Figure(group, prefix + "cue error p95 (app, heard at ALSA)", st.get("p95"), "ms",
                   5 if raise_ else None, note=note, extra=extra),
            Figure(group, prefix + "cue error max (app)", st.get("max") if complete else None,
                   "ms", 15 if raise_ else None,
                   note="" if complete else f"only {matched} of {len(want)} cues heard"),
        ]  # fmt: skip
        if trace:
            figs.append(
                Figure(group, prefix + "player: play() returned vs due, p95", trace["p95"], "ms",
                       note=f"max {trace['max']:.1f} ms; device opening p95 "
                            f"{trace['open_p95']:.1f}, max {trace['open_max']:.1f} ms")
            )  # fmt: skip
        b = naive
        figs.append(
            Figure(group, f"{prefix}baseline sleep(1) loop: p95 / max", b.get("p95"), "ms",
                   note=(f"max {b['max']:.1f} ms" if b.get("n") else "no result"))
        )  # fmt: skip
        return figs
    figs = [
        Figure(group, prefix + "cue error p95 (app, heard at ALSA)", st.get("p95"), "ms", 10,
               note=note, extra=extra),
        Figure(group, prefix + "cue error max (app)", st.get("max") if complete else None, "ms", 25,
               note="" if complete else f"only {matched} of {len(want)} cues heard"),
        Figure(group, prefix + "cue error mean (app)", st.get("mean"), "ms"),
        Figure(group, prefix + "drift first->last boundaries (app)", drift, "ms", 5,
               note="mean error of last 3 boundaries minus first 3; single cues: "
                    + (f"{drift_ends:.1f} ms" if drift_ends is not None else "n/a")),
        Figure(group, prefix + "schedule in history DB vs plan, max",
               max(db_sched_err, default=None), "ms", note="the app's own step times; DB keeps ms"),
    ]  # fmt: skip
    if trace:
        figs.append(
            Figure(group, prefix + "player: play() returned vs due, p95", trace["p95"], "ms",
                   note=f"max {trace['max']:.1f} ms; device opening p95 {trace['open_p95']:.1f},"
                        f" max {trace['open_max']:.1f} ms; SPEEDTIMER_AUDIO_TRACE")
        )  # fmt: skip
    for label, b in (("sleep(1) loop", naive), ("Textual set_interval(1)", interval)):
        figs.append(
            Figure(group, f"{prefix}baseline {label}: p95 / max", b.get("p95"), "ms",
                   note=(f"max {b['max']:.1f} ms, drift {b.get('drift', float('nan')):.1f} ms"
                         if b.get("n") else "no result"))
        )  # fmt: skip
    return figs


def _trace_delays(log_path: Path) -> dict | None:
    """From the helper's trace lines ("played pip +0.12 ms from due (open 3.21 ms)"): how far
    from the due time play() returned, and how long play() took to open the device."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return None
    late, opening = [], []
    for line in lines:
        if " played " in line and " ms from due" in line:
            with contextlib.suppress(IndexError, ValueError):
                late.append(float(line.split(" played ")[1].split()[1]))
                opening.append(float(line.split("(open ")[1].split()[0]))
    if not late:
        return None
    return {"n": len(late), "p95": percentile([abs(x) for x in late], 95),
            "max": max(abs(x) for x in late), "median": sorted(late)[len(late) // 2],
            "open_p95": percentile(opening, 95), "open_max": max(opening)}  # fmt: skip


def _tail(path: Path, n: int = 20) -> str:
    try:
        return "\nlog:\n" + "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# --- through a sound server (issue 19) -------------------------------------------------------

SERVER_STEPS = [2, 1] * 10  # 10 x (2 s work, 1 s rest): a cue every second


def _measure_server(kind: str, *, busy: bool = False) -> list[Figure]:
    """The app through PulseAudio or PipeWire (benchmarks/sound_servers.py), heard in the null
    sink's monitor; then a naive `aplay &` + `sleep` loop through the same server."""
    from benchmarks import sound_servers as ss
    from speedtimer.config.paths import sounds_dir
    from speedtimer.sound.audio import resolve_cue_files

    group = "1 Cue timing"
    title = {"pulse": "PulseAudio", "pipewire": "PipeWire"}[kind]
    prefix = f"{title}{' busy' if busy else ''}: "
    start = ss.pulseaudio if kind == "pulse" else ss.pipewire
    get_ready = 1
    files, _ = resolve_cue_files(sounds_dir(), {})
    starts = ss.wav_starts(files)
    with temp_dir() as tmp, start(tmp / "server") as server:
        if isinstance(server, str):
            return [Figure(group, prefix + "interval error p95 (app)", None, "ms", 5,
                           note=f"route left out: {server}")]  # fmt: skip
        presets, data, config = (tmp / n for n in ("presets", "data", "config"))
        for d in (presets, data, config):
            d.mkdir()
        preset_path = presets / "cues.toml"
        preset_path.write_text(preset_text(SERVER_STEPS))
        plan = expected_cues(preset_path, get_ready)
        total = get_ready + sum(SERVER_STEPS)
        env = {
            **server.env,
            "TERM": "xterm-256color",
            "PYTHONPATH": str(REPO),
            "SPEEDTIMER_AUDIO_TRACE": "1",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            **_helper_env(),
        }
        app_cmd = shell_quote(
            ["env", *(f"{k}={v}" for k, v in env.items() if k != "PATH"),
             PY, "-m", "speedtimer", "--presets-dir", str(presets), "--data-dir", str(data),
             "--config-dir", str(config), "--get-ready", str(get_ready),
             "run", "Bench cue timing"]
        )  # fmt: skip
        db = data / "history.sqlite3"

        def finished():
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                    row = c.execute(
                        "SELECT status FROM sessions ORDER BY id DESC LIMIT 1"
                    ).fetchone()
            except sqlite3.Error:
                return None
            return row if row and row[0] != "in_progress" else None

        hogs = cpu_hogs() if busy else contextlib.nullcontext()
        with Tmux() as tmux, hogs:
            tmux.start(env)
            rec = server.record(tmp / "app.wav")
            cpu0 = _cpu_seconds(server.pids())
            tmux.window("app", f"sh -c {shell_quote([f'cd {REPO} && exec {app_cmd}'])}")
            asked = wait_for(lambda: _stream_latency(kind, server.env), timeout=10, interval=0.3)
            row = wait_for(finished, timeout=total + 30, interval=0.25)
            time.sleep(1.5)
            cpu1 = _cpu_seconds(server.pids())
            helper = _helper_pids(server.env)
            helper_cpu = _cpu_seconds(helper) if helper else None
            load = os.getloadavg()[0]
            ss.stop_recording(rec)
            screen = tmux.capture("app")
            tmux.close()
            # the baseline, through the same server, right after
            script = tmp / "naive.sh"
            script.write_text(ss.naive_script(plan, files))
            rec = server.record(tmp / "naive.wav")
            naive_proc = subprocess.Popen(["sh", str(script)], env=server.env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True)  # fmt: skip
            try:
                naive_proc.wait(timeout=total + 15)
            except subprocess.TimeoutExpired:  # an aplay that hangs must not sink the figure
                with contextlib.suppress(OSError):
                    os.killpg(naive_proc.pid, 9)
                naive_proc.wait()
            time.sleep(1.0)
            ss.stop_recording(rec)
        if row is None:
            raise RuntimeError(f"{title}: the session did not finish; screen was:\n{screen}"
                               + _tail(data / "speedtimer.log"))  # fmt: skip
        app = ss.analyse(tmp / "app.wav", plan, starts)
        naive = ss.analyse(tmp / "naive.wav", plan, starts)
        trace = _trace_delays(data / "speedtimer.log")
        prio = _priority(data / "speedtimer.log")
    cpu = (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None
    note = (
        f"10 x (2 s work, 1 s rest), {app.get('due')} cues due, {app.get('heard')} heard, "
        f"{app.get('clipped')} clipped; load {load:.1f}"
        + (f" with {os.cpu_count()} busy-loops" if busy else "")
        + f"; helper priority {prio}"
        + (f"; a cue stream asked for {asked}" if asked else "")
    )
    extra = {"app": app, "naive_aplay": naive, "player": trace, "load_1min": load,
             "server_cpu_s": cpu, "helper_cpu_s": helper_cpu}  # fmt: skip
    complete = app.get("missed") == 0 and app.get("clipped") == 0
    figs = [
        Figure(group, prefix + "interval error p95 (app)", app.get("interval_p95"), "ms", 5,
               note=note, extra=extra),
        Figure(group, prefix + "interval error max (app)", app.get("interval_max"), "ms", 10),
        Figure(group, prefix + "drift over 30 s (app)", app.get("drift"), "ms", 3,
               note="mean error of the last 3 cues minus the first 3"),
        Figure(group, prefix + "missed or clipped cues (app)",
               (app.get("missed") or 0) + (app.get("clipped") or 0) if app.get("heard") else None,
               "", 0, note="" if complete else app.get("error", "")),
        Figure(group, prefix + "baseline aplay & + sleep: interval p95 / max",
               naive.get("interval_p95"), "ms",
               note=(f"max {naive['interval_max']:.1f} ms, drift {naive['drift']:.1f} ms, "
                     f"{naive['missed']} missed" if naive.get("heard")
                     else naive.get("error", ""))),
    ]  # fmt: skip
    if cpu is not None:
        figs.append(Figure(group, prefix + "sound server CPU during the session", cpu, "s",
                           note=f"over {total + 1.5:.0f} s"))  # fmt: skip
    if helper_cpu is not None:
        figs.append(Figure(group, prefix + "sound helper CPU, start-up and session", helper_cpu,
                           "s", note=f"the helper process's own CPU time, started about "
                                     f"{total + 2:.0f} s before"))  # fmt: skip
    return figs


def _helper_pids(server_env: dict[str, str]) -> list[int]:
    """The app's sound helper in this route: the speedtimer.sound.worker process whose
    environment has this server's private XDG_RUNTIME_DIR."""
    mark = f"XDG_RUNTIME_DIR={server_env.get('XDG_RUNTIME_DIR', '')}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if b"speedtimer.sound.worker" not in (entry / "cmdline").read_bytes():
                continue
            if mark in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def _helper_env() -> dict[str, str]:
    """Variables passed on to the app under test for an experiment: the ones named in
    SPEEDTIMER_BENCH_PASS_ENV (comma-separated), e.g. PIPEWIRE_QUANTUM,SPEEDTIMER_AUDIO_STREAM."""
    names = [n.strip() for n in os.environ.get("SPEEDTIMER_BENCH_PASS_ENV", "").split(",")]
    return {n: os.environ[n] for n in names if n and n in os.environ}


def _cpu_seconds(pids: list[int]) -> float | None:
    """utime + stime of these processes, in seconds (None once one is gone)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _priority(log_path: Path) -> str:
    """What the sound helper got when it asked for a higher priority (its log line)."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return "?"
    return next((ln.split("priority: ", 1)[1] for ln in lines if "priority: " in ln), "?")


QUIET_STEPS = [2, 62, 2, 1]  # a rest of a minute: the sink falls quiet and suspends


def _measure_suspend() -> list[Figure]:
    """Issue 19: a sink suspended after a quiet minute must not add its wake-up to the next
    cue. PulseAudio (suspend-on-idle after 5 s, as on a desktop) with nothing recording (a
    recorder on the monitor would keep the sink awake): the sink's state is polled through
    the session, and the helper's own trace says how long opening the device took for the
    first cue after the quiet, against the other cues."""
    from benchmarks import sound_servers as ss

    group = "1 Cue timing"
    name = "PulseAudio: first cue after a 60 s quiet step, device opening"
    get_ready = 1
    with temp_dir() as tmp, ss.pulseaudio(tmp / "server") as server:
        if isinstance(server, str):
            return [Figure(group, name, None, "ms", note=f"route left out: {server}")]
        presets, data, config = (tmp / n for n in ("presets", "data", "config"))
        for d in (presets, data, config):
            d.mkdir()
        preset_path = presets / "cues.toml"
        preset_path.write_text(preset_text(QUIET_STEPS))
        plan = expected_cues(preset_path, get_ready)
        total = get_ready + sum(QUIET_STEPS)
        env = {
            **server.env,
            "TERM": "xterm-256color",
            "PYTHONPATH": str(REPO),
            "SPEEDTIMER_AUDIO_TRACE": "1",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            **_helper_env(),
        }
        app_cmd = shell_quote(
            ["env", *(f"{k}={v}" for k, v in env.items() if k != "PATH"),
             PY, "-m", "speedtimer", "--presets-dir", str(presets), "--data-dir", str(data),
             "--config-dir", str(config), "--get-ready", str(get_ready),
             "run", "Bench cue timing"]
        )  # fmt: skip
        db = data / "history.sqlite3"
        states: list[tuple[float, str]] = []

        def poll():
            out = subprocess.run(["pactl", "list", "short", "sinks"], env=server.env,
                                 capture_output=True, text=True).stdout  # fmt: skip
            state = next((ln.split()[-1] for ln in out.splitlines() if "\tcues\t" in ln), "?")
            states.append((time.monotonic(), state))
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as c:
                    row = c.execute(
                        "SELECT status FROM sessions ORDER BY id DESC LIMIT 1"
                    ).fetchone()
            except sqlite3.Error:
                return None
            return row if row and row[0] != "in_progress" else None

        with Tmux() as tmux:
            tmux.start(env)
            t0 = time.monotonic()
            tmux.window("app", f"sh -c {shell_quote([f'cd {REPO} && exec {app_cmd}'])}")
            row = wait_for(poll, timeout=total + 30, interval=0.25)
            time.sleep(1.0)
            load = os.getloadavg()[0]
        if row is None:
            raise RuntimeError(
                "the quiet-step session did not finish" + _tail(data / "speedtimer.log")
            )
        played = []
        for line in (data / "speedtimer.log").read_text(errors="replace").splitlines():
            if " played " in line and " ms from due" in line:
                with contextlib.suppress(IndexError, ValueError):
                    late = float(line.split(" played ")[1].split()[1])
                    opening = float(line.split("(open ")[1].split()[0])
                    played.append((late, opening))
    suspended = sum(0.25 for _, s in states if s == "SUSPENDED")
    # the first cue after the quiet: the first planned more than 30 s after the one before
    after = next((i for i in range(1, len(plan)) if plan[i][1] - plan[i - 1][1] > 30), None)
    if after is None or len(played) != len(plan):
        return [Figure(group, name, None, "ms", note=f"{len(played)} of {len(plan)} cues traced")]
    late, opening = played[after]
    others = sorted(o for i, (_, o) in enumerate(played) if i != after)
    median = others[len(others) // 2]
    note = (
        f"sink suspended for about {suspended:.0f} s of the quiet step; other cues' opening "
        f"median {median:.1f} ms, max {others[-1]:.1f} ms; that cue's play() returned "
        f"{late:+.1f} ms from due; load {load:.1f}"
    )
    return [Figure(group, name, opening, "ms", note=note,
                   extra={"states": states[:: max(1, len(states) // 50)], "played": played,
                          "plan": plan, "t0": t0})]  # fmt: skip


def _stream_latency(kind: str, env: dict[str, str]) -> str | None:
    """The latency a cue stream of the helper asked the server for, while one plays."""
    if kind == "pipewire":
        try:
            dump = json.loads(subprocess.run(["pw-dump"], env=env, capture_output=True,
                                             text=True, timeout=5).stdout)  # fmt: skip
        except (subprocess.SubprocessError, ValueError, OSError):
            return None
        for obj in dump:
            props = (obj.get("info") or {}).get("props") or {}
            if props.get("node.name") == "ALSA Playback" and props.get("node.latency"):
                return f"node.latency {props['node.latency']}"
        return None
    out = subprocess.run(["pactl", "list", "sink-inputs"], env=env, capture_output=True,
                         text=True, timeout=5).stdout  # fmt: skip
    for line in out.splitlines():
        if line.strip().startswith("Buffer Latency:"):
            return "a buffer of " + line.split(":", 1)[1].strip().replace(" usec", " us")
    return None
