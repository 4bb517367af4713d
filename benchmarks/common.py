"""Shared pieces of the benchmark suite: results, the machine, tmux, temp folders, stats."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable


@dataclass
class Figure:
    """One line of the results table."""

    group: str
    name: str
    value: float | None  # None: could not be measured
    unit: str
    target: float | None = None  # None: a baseline or information, no target
    higher_is_better: bool = False
    target_text: str = ""
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        if self.value is None:
            return "FAIL"
        ok = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "PASS" if ok else "FAIL"

    def measured_text(self) -> str:
        if self.value is None:
            return "n/a"
        return f"{fmt(self.value)} {self.unit}".strip()

    def target_str(self) -> str:
        if self.target_text:
            return self.target_text
        if self.target is None:
            return ""
        op = ">=" if self.higher_is_better else "<="
        return f"{op} {fmt(self.target)} {self.unit}".strip()

    def to_json(self) -> dict:
        d = asdict(self)
        d["verdict"] = self.verdict
        return d


def fmt(v: float) -> str:
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): a value that was actually measured."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def median(values: list[float]) -> float:
    return statistics.median(values)


# --- the machine ----------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        import textual

        textual_version = textual.__version__
    except Exception:  # pragma: no cover
        textual_version = "?"
    mem_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "textual": textual_version,
        "os": f"{platform.system()} {platform.release()}",
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
    }


# --- temp folders ---------------------------------------------------------------------------


@contextlib.contextmanager
def temp_dir(prefix: str = "speedtimer-bench-") -> Iterator[Path]:
    d = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def child_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment that can never touch the real home folder."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SPEEDTIMER_", "XDG_", "TMUX")) and k not in ("ALSA_CONFIG_PATH",)
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_CACHE_HOME=str(home / ".cache"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG=os.environ.get("LANG", "C.UTF-8"),
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def write_presets(folder: Path, n: int, *, steps: int = 8, prefix: str = "Generated") -> None:
    """`n` small but realistic preset files (a warm-up, a repeat block, a cool-down)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"gen-{i:05d}.toml").write_text(
            f'name = "{prefix} {i:05d}"\n'
            'description = "A generated preset for the benchmarks."\n'
            'category = "intervals"\n'
            'tags = ["bench", "track"]\n'
            "countdown = 3\n\n"
            '[[steps]]\nkind = "warmup"\nlabel = "Easy jog"\nduration = "10:00"\n\n'
            f"[[steps]]\nrepeat = {steps}\nskip_last_rest = true\n\n"
            '  [[steps.steps]]\n  kind = "work"\n  label = "400 m"\n  until = "lap"\n'
            '  distance_m = 400\n  target_pace = "3:45/km"\n\n'
            '  [[steps.steps]]\n  kind = "rest"\n  label = "Jog"\n  duration = "1:30"\n\n'
            '[[steps]]\nkind = "cooldown"\nduration = "10:00"\n',
            encoding="utf-8",
        )


def big_preset_text(i: int, steps: int = 2080) -> str:
    """A valid preset of about 220 KB (2,080 steps, each with a label, distance and pace): the
    size of file that froze start-up at 400 of them (issue 13)."""
    lines = [f'name = "Big {i:04d}"', 'category = "intervals"', 'tags = ["big"]', ""]
    for k in range(steps):
        lines += [
            "[[steps]]",
            'kind = "work"' if k % 2 == 0 else 'kind = "rest"',
            f'label = "Rep {k:04d} steady"',
            f"duration = {20 + k % 40}",
            "distance_m = 100",
            'target_pace = "3:45/km"',
            "",
        ]
    return "\n".join(lines) + "\n"


def write_big_presets(folder: Path, n: int, *, steps: int = 2080) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"big-{i:04d}.toml").write_text(big_preset_text(i, steps), encoding="utf-8")


# --- tmux on a private socket ---------------------------------------------------------------


class Tmux:
    """A private tmux server (-L name) that is always killed on exit."""

    def __init__(self, width: int = 80, height: int = 24) -> None:
        self.socket = f"speedtimer-bench-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.width = width
        self.height = height
        self._started = False

    def cmd(self, *args: str, timeout: float = 10, check: bool = True) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def start(self, env: dict[str, str]) -> None:
        """Start the server with an idle first window, so later windows don't pay for it."""
        proc = subprocess.run(
            [
                "tmux", "-L", self.socket, "-f", "/dev/null", "new-session", "-d",
                "-s", "bench", "-x", str(self.width), "-y", str(self.height), "sleep 3600",
            ],
            env=env, capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"tmux new-session: {proc.stderr.strip()}")
        self._started = True
        with contextlib.suppress(Exception):
            self.cmd("set-option", "-g", "remain-on-exit", "off")
            self.cmd("set-option", "-g", "status", "off")

    def window(self, name: str, command: str) -> int:
        """Open a window running `command` (exec'd, so the pane's pid is the program's)."""
        out = self.cmd(
            "new-window", "-d", "-P", "-F", "#{pane_pid}", "-t", "bench", "-n", name,
            f"exec {command}",
        )  # fmt: skip
        return int(out.strip())

    def capture(self, name: str) -> str:
        return self.cmd("capture-pane", "-p", "-t", f"bench:{name}", check=False, timeout=5)

    def send(self, name: str, *keys: str) -> None:
        self.cmd("send-keys", "-t", f"bench:{name}", *keys, check=False)

    def kill_window(self, name: str) -> None:
        self.cmd("kill-window", "-t", f"bench:{name}", check=False)

    def control(self) -> TmuxControl:
        """A client in tmux's control mode: keys sent through it cost no process start."""
        return TmuxControl(self.socket)

    def close(self) -> None:
        if self._started:
            with contextlib.suppress(Exception):
                self.cmd("kill-server", check=False)
            self._started = False

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TmuxControl:
    """One long-lived `tmux -C` client: each `send` writes a `send-keys` command line to it,
    where `Tmux.send` starts a tmux client process per key (5-8 ms, and the key is delivered
    somewhere inside that). `send` returns the wall time just before the write, and the reply
    (`%end`) to each command is stamped by a reader thread: the key reached the pane between
    the two (`acks`)."""

    def __init__(self, socket: str) -> None:
        import threading

        self._proc = subprocess.Popen(
            ["tmux", "-L", socket, "-f", "/dev/null", "-C", "attach", "-t", "bench"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.acks: list[float] = []  # wall time of each command's %end, in order
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.startswith((b"%end", b"%error")):
                self.acks.append(time.time())

    def send(self, name: str, key: str) -> float:
        assert self._proc.stdin is not None
        line = f"send-keys -t bench:{name} {key}\n".encode()
        at = time.time()
        self._proc.stdin.write(line)
        self._proc.stdin.flush()
        return at

    def close(self) -> None:
        with contextlib.suppress(Exception):
            assert self._proc.stdin is not None
            self._proc.stdin.close()
        with contextlib.suppress(Exception):
            self._proc.wait(timeout=2)
        if self._proc.poll() is None:
            self._proc.kill()

    def __enter__(self) -> TmuxControl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_for(predicate, timeout: float, interval: float = 0.005):
    """Poll `predicate()` until it returns something truthy; that value, or None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def proc_status_mb(pid: int, field: str) -> float | None:
    """A memory figure of /proc/PID/status (VmRSS, VmHWM...) in MB; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def have_tmux() -> bool:
    return shutil.which("tmux") is not None


def shell_quote(parts: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(p) for p in parts)
