"""Headless sound servers for the cue-timing benchmark, and cue onsets found in a recording.

A runner's laptop plays through PulseAudio or PipeWire, not ALSA's file plugin. Each server
runs here from Debian's packages, on its own in a private runtime folder (no desktop, no real
sound card): one null sink named `cues`, the app's ALSA default pointed at it (`type pulse`,
`type pipewire`), and the sink's monitor recorded (parec, pw-record). The recording's own
sample clock is the reference: cue onsets are found in it and compared with the plan's grid,
so the constant latency of the path cancels out and what is left is what a runner hears as
uneven (intervals) or sliding (drift).

Packages: the benchmark installs what is missing with apt-get when it runs as root (as
scripts/setup.sh does); otherwise it says what to install and leaves that route out.
`pulseaudio` conflicts with `pipewire-alsa` and `pipewire-pulse` as packages, so the PipeWire
route takes the ALSA plugin from an installed pipewire-alsa, or else from its .deb unpacked
into bench-results/ (apt-get download; nothing installed, nothing replaced), and records with
pw-record, needing neither. A machine with pipewire-pulse installed gets no PulseAudio route
(installing pulseaudio would remove it).

PipeWire's stock configuration sets a minimum block of 1024 samples inside a virtual machine
(`vm.overrides`), which no laptop has: the private configuration leaves that out, so the
server behaves as on the laptop it stands for.
"""

from __future__ import annotations

import array
import contextlib
import os
import re
import shutil
import subprocess
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import REPO, percentile

RATE = 48000
PULSE_PACKAGES = ["pulseaudio", "pulseaudio-utils", "libasound2-plugins", "alsa-utils"]
PIPEWIRE_PACKAGES = ["pipewire", "pipewire-bin", "wireplumber", "dbus-daemon", "alsa-utils"]
DEB_CACHE = REPO / "bench-results" / "debs"


RECORDER_RT = 30  # above the sound helper (10), below the servers' own threads (88)


def can_chrt() -> bool:
    if shutil.which("chrt") is None:
        return False
    return subprocess.run(["chrt", "-f", "1", "true"], capture_output=True).returncode == 0


def have_deb(name: str) -> bool:
    proc = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, check=False
    )
    return "install ok installed" in proc.stdout


def ensure_packages(names: list[str]) -> str | None:
    """Install what is missing (as root, with apt-get); why not, or None when all is there."""
    if shutil.which("dpkg-query") is None:
        return "not a Debian system (no dpkg-query)"
    missing = [n for n in names if not have_deb(n)]
    if not missing:
        return None
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"missing Debian packages: {' '.join(missing)} (sudo apt-get install them)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
    proc = subprocess.run(
        ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-qq",
         "--no-install-recommends", *missing],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if proc.returncode != 0:
        return f"apt-get install {' '.join(missing)} failed: {proc.stderr.strip()[-300:]}"
    return None


def pipewire_alsa_plugin() -> Path | str:
    """The PipeWire ALSA plugin: installed, or unpacked from its .deb. A message if neither."""
    for lib in Path("/usr/lib").glob("*/alsa-lib/libasound_module_pcm_pipewire.so"):
        return lib
    found = list(DEB_CACHE.glob("root/usr/lib/*/alsa-lib/libasound_module_pcm_pipewire.so"))
    if found:
        return found[0]
    DEB_CACHE.mkdir(parents=True, exist_ok=True)
    for d in DEB_CACHE.glob("pipewire-alsa_*.deb"):
        d.unlink()
    proc = subprocess.run(
        ["apt-get", "download", "pipewire-alsa"], cwd=DEB_CACHE, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    debs = list(DEB_CACHE.glob("pipewire-alsa_*.deb"))
    if proc.returncode != 0 or not debs:
        return f"cannot get pipewire-alsa ({proc.stderr.strip()[-200:]})"
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(DEB_CACHE / "root")], check=True)
    found = list(DEB_CACHE.glob("root/usr/lib/*/alsa-lib/libasound_module_pcm_pipewire.so"))
    return found[0] if found else "pipewire-alsa holds no ALSA plugin"


@dataclass
class Server:
    """One running sound server: the environment a client needs, and how to record."""

    name: str
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    procs: list[subprocess.Popen] = field(default_factory=list)
    record_cmd: list[str] = field(default_factory=list)

    def record(self, out: Path) -> subprocess.Popen:
        """Record the sink's monitor into `out` (a WAV) until stop_recording(). The recorder
        runs real-time where allowed: it stands for the ear, which a busy CPU does not slow."""
        log = open(self.folder / f"{out.stem}.rec.log", "wb")  # noqa: SIM115 - the child's
        rt = ["chrt", "-f", str(RECORDER_RT)] if can_chrt() else []
        proc = subprocess.Popen(
            [*rt, *self.record_cmd, str(out)], env=self.env, stdout=log, stderr=log
        )
        log.close()
        time.sleep(0.5)  # the stream connects and the sink runs before anything plays
        return proc

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def close(self) -> None:
        for p in reversed(self.procs):
            with contextlib.suppress(OSError):
                p.terminate()
        for p in reversed(self.procs):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def stop_recording(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        proc.send_signal(2)  # SIGINT: parec and pw-record finish the WAV header
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _base_env(folder: Path) -> dict[str, str]:
    run, home = folder / "run", folder / "home"
    run.mkdir(mode=0o700, parents=True, exist_ok=True)
    (home / ".config").mkdir(parents=True, exist_ok=True)
    env = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("XDG_", "PULSE_", "PIPEWIRE_", "DBUS_", "SPEEDTIMER_"))
        and k != "ALSA_CONFIG_PATH"
    }  # fmt: skip
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(run), XDG_CONFIG_HOME=str(home / ".config"))
    return env


def _wait(check, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def pulseaudio(folder: Path, *, suspend_s: float = 5.0) -> Iterator[Server | str]:
    """PulseAudio with a null sink (no rewinds: a rewinding sink clips the monitor's copy of a
    stream's start, not the sound), suspended after `suspend_s` quiet like a desktop's."""
    problem = ensure_packages(PULSE_PACKAGES)
    if problem is None and have_deb("pipewire-pulse"):
        problem = "pipewire-pulse is installed (it conflicts with pulseaudio)"
    if problem:
        yield problem
        return
    env = _base_env(folder)
    conf = folder / "pulse.pa"
    conf.write_text(
        f"load-module module-null-sink sink_name=cues rate={RATE} norewinds=1\n"
        "load-module module-native-protocol-unix\n"
        f"load-module module-suspend-on-idle timeout={max(1, round(suspend_s))}\n"
        "set-default-sink cues\n"
    )
    (Path(env["HOME"]) / ".asoundrc").write_text(
        "pcm.!default { type pulse }\nctl.!default { type pulse }\n"
    )
    log = open(folder / "pulseaudio.log", "wb")  # noqa: SIM115 - the child's
    server = Server("PulseAudio", folder, env)
    server.procs.append(
        subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "-F",
                str(conf),
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--log-target=stderr",
            ],
            env=env,
            stdout=log,
            stderr=log,
        )  # fmt: skip
    )
    log.close()
    try:
        up = _wait(lambda: subprocess.run(["pactl", "info"], env=env, capture_output=True)
                   .returncode == 0)  # fmt: skip
        if not up:
            yield "PulseAudio did not start: " + _tail(folder / "pulseaudio.log")
            return
        server.record_cmd = [
            "parec", "--latency-msec=5", "-d", "cues.monitor", "--format=s16le",
            f"--rate={RATE}", "--channels=1", "--file-format=wav",
        ]  # fmt: skip
        yield server
    finally:
        server.close()


@contextlib.contextmanager
def pipewire(folder: Path) -> Iterator[Server | str]:
    """PipeWire + WirePlumber on a session bus of their own, with a null sink."""
    problem = ensure_packages(PIPEWIRE_PACKAGES)
    plugin = pipewire_alsa_plugin() if problem is None else problem
    if isinstance(plugin, str):
        yield plugin
        return
    env = _base_env(folder)
    run = Path(env["XDG_RUNTIME_DIR"])
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={run / 'bus'}"
    conf_dir = Path(env["XDG_CONFIG_HOME"]) / "pipewire"
    conf_dir.mkdir(parents=True, exist_ok=True)
    stock = Path("/usr/share/pipewire/pipewire.conf").read_text()
    stock = re.sub(r"\n\s*vm\.overrides\s*=\s*\{[^}]*\}", "\n", stock)
    sink = (
        "\n    { factory = adapter args = { factory.name = support.null-audio-sink"
        ' node.name = "cues" media.class = "Audio/Sink" object.linger = true'
        f" audio.position = [ FL FR ] audio.rate = {RATE} }} }}\n"
    )
    at = stock.index("context.objects = [") + len("context.objects = [")
    (conf_dir / "pipewire.conf").write_text(stock[:at] + sink + stock[at:])
    (Path(env["HOME"]) / ".asoundrc").write_text(
        f'pcm_type.pipewire {{ lib "{plugin}" }}\npcm.!default {{ type pipewire }}\n'
    )
    server = Server("PipeWire", folder, env)
    try:
        for name, cmd in (
            ("dbus", ["dbus-daemon", "--session", f"--address={env['DBUS_SESSION_BUS_ADDRESS']}",
                      "--nofork", "--nopidfile", "--nosyslog"]),
            ("pipewire", ["pipewire"]),
            ("wireplumber", ["wireplumber"]),
        ):  # fmt: skip
            log = open(folder / f"{name}.log", "wb")  # noqa: SIM115 - the child's
            server.procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=log))
            log.close()
            if name == "dbus":
                _wait(lambda: (run / "bus").exists(), 5)
            elif name == "pipewire":
                _wait(lambda: (run / "pipewire-0").exists(), 10)

        def linked() -> bool:
            out = subprocess.run(["pw-cli", "ls", "Node"], env=env, capture_output=True,
                                 text=True).stdout  # fmt: skip
            return '"cues"' in out

        if not _wait(linked):
            yield "PipeWire did not start: " + _tail(folder / "pipewire.log")
            return
        time.sleep(1.0)  # WirePlumber finds the sink
        # The recorder asks for PipeWire's default block (1024 samples): a smaller request
        # would shrink the block for every stream and hide what the cues get by default.
        server.record_cmd = [
            "pw-record", "--target", "cues", "-P", "{ stream.capture.sink = true }",
            "--latency", "22ms", f"--rate={RATE}", "--channels=1", "--format=s16",
        ]  # fmt: skip
        yield server
    finally:
        server.close()


def _tail(path: Path, n: int = 8) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


# --- finding the cues in a recording -----------------------------------------------------------

THRESHOLD = 400  # of 32767: well above the null sink's silence, below every cue's first ms
QUIET_S = 0.05  # an onset follows at least this much quiet
MATCH_S = 0.3  # a cue heard further than this from where it belongs is missed
# A start is clipped when its first millisecond is not the WAV's: every cue fades in, so a
# start cut off begins louder (or, cut mid-sound, quieter) than the WAV's own first ms.
CHECK_S = 0.001
CLIPPED_RATIO = 1.8


def read_mono(path: Path) -> tuple[array.array, int]:
    with wave.open(str(path), "rb") as w:
        rate, ch = w.getframerate(), w.getnchannels()
        data = array.array("h", w.readframes(w.getnframes()))
    if ch > 1:
        data = array.array("h", (sum(data[i : i + ch]) // ch for i in range(0, len(data), ch)))
    return data, rate


def onsets(data: array.array, rate: int) -> list[int]:
    quiet = int(QUIET_S * rate)
    found, last_loud = [], -quiet - 1
    for i, v in enumerate(data):
        if v > THRESHOLD or v < -THRESHOLD:
            if i - last_loud > quiet:
                found.append(i)
            last_loud = i
    return found


def _rms(data, start: int, n: int) -> float:
    seg = data[start : start + n]
    return (sum(v * v for v in seg) / max(1, len(seg))) ** 0.5


@dataclass
class WavStart:
    """Where a cue's own samples first cross THRESHOLD, and their energy just after."""

    offset_s: float
    rms: float


def wav_starts(files: dict[str, Path]) -> dict[str, WavStart]:
    out = {}
    for cue, path in files.items():
        data, rate = read_mono(path)
        first = next((i for i, v in enumerate(data) if abs(v) > THRESHOLD), 0)
        out[cue] = WavStart(first / rate, _rms(data, first, int(CHECK_S * rate)))
    return out


def analyse(recording: Path, plan: list[tuple[str, float]], starts: dict[str, WavStart]) -> dict:
    """Each planned cue's onset in the recording against the plan's grid (constant latency
    removed): interval errors, drift, missed and clipped cues."""
    try:
        data, rate = read_mono(recording)
    except (OSError, EOFError, wave.Error) as exc:
        return {"error": f"no recording ({exc})"}
    found = [i / rate for i in onsets(data, rate)]
    if not found or not plan:
        return {"error": "nothing heard", "heard": 0, "due": len(plan)}
    # In order, following the shift from cue to cue (a naive loop drifts by a lot).
    shift = found[0] - starts[plan[0][0]].offset_s - plan[0][1]
    matched: list[tuple[str, float, float]] = []  # (cue, planned offset, onset)
    used = set()
    for cue, off in plan:
        want = off + shift + starts[cue].offset_s
        best = min(range(len(found)), key=lambda k: abs(found[k] - want))
        if abs(found[best] - want) < MATCH_S and best not in used:
            used.add(best)
            matched.append((cue, off, found[best]))
            shift = found[best] - starts[cue].offset_s - off
    if not matched:
        return {"error": "no cue where planned", "heard": 0, "due": len(plan)}
    clipped = []
    for cue, _, t in matched:
        i = round(t * rate)
        ratio = _rms(data, i, int(CHECK_S * rate)) / max(1.0, starts[cue].rms)
        if not 1 / CLIPPED_RATIO <= ratio <= CLIPPED_RATIO:
            clipped.append((cue, t))
    # a clipped cue's onset is not its start: it is counted, not timed
    timed = [(c, off, t) for c, off, t in matched if (c, t) not in clipped] or matched
    raw = [t - starts[c].offset_s - off for c, off, t in timed]
    shift = sorted(raw)[len(raw) // 2]
    errors = [(r - shift) * 1000 for r in raw]
    intervals = [abs(b - a) for a, b in zip(errors, errors[1:], strict=False)]
    k = min(3, len(errors) // 2) or 1
    return {
        "due": len(plan),
        "heard": len(matched),
        "missed": len(plan) - len(matched),
        "extra_onsets": len(found) - len(matched),
        "clipped": len(clipped),
        "interval_p95": percentile(intervals, 95) if intervals else None,
        "interval_max": max(intervals) if intervals else None,
        "interval_mean": sum(intervals) / len(intervals) if intervals else None,
        "drift": abs(sum(errors[-k:]) / k - sum(errors[:k]) / k),
        "span_s": matched[-1][1] - matched[0][1],
        "recorded_s": len(data) / rate,
        # the recording's clock against the plan's (CLOCK_MONOTONIC), from the first and last
        # cues: a server that drops blocks on a starved machine records time that never passed
        "clock_ppm": 1e6
        * ((matched[-1][2] - matched[0][2]) / max(1e-9, matched[-1][1] - matched[0][1]) - 1),
        "errors_ms": [round(e, 2) for e in errors],
    }


def naive_script(plan: list[tuple[str, float]], files: dict[str, Path]) -> str:
    """The baseline a runner might write: `aplay file &`, then `sleep` until the next cue."""
    lines = ["#!/bin/sh"]
    for (cue, off), nxt in zip(plan, [*plan[1:], None], strict=True):
        lines.append(f"aplay -q '{files[cue]}' &")
        if nxt is not None:
            lines.append(f"sleep {nxt[1] - off:.3f}")
    lines.append("sleep 1.5")  # the last sound out; never `wait` on a player that hangs
    return "\n".join(lines) + "\n"
