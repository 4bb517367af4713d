"""Figure 4: the history at scale (synthetic DBs from benchmarks/synthetic.py).

The history screen is timed in the real app under Textual's Pilot (headless, 120x40). Every
frame the screen's compositor hands to the app is stamped as it is made; a figure runs from
the key's action to the first frame that *shows* what it claims (found afterwards in the
frames' text), so neither the Pilot's own idle waits nor a frame with the rows still missing
count:

- first frame: pushing the screen, to the frame with the first row and the "N of M
  sessions" line;
- filter: setting the filter box, to the frame with the filtered count and first row;
- trends panel: `t`, to the frame with the weekly figures and the streak drawn.

The synthetic history ends now (a session about every 20 hours going back), so the trends
panel has twelve full weeks to add up and the streak runs the length of the history: the
worst case for both. CSV export: a real `speedtimer history export`.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import PY, Figure, child_env, median, temp_dir

FILTERS = ["8 x 400", "tempo", "hill"]
_ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def make_db(data: Path, n: int) -> float:
    from benchmarks.synthetic import generate_synthetic
    from speedtimer.history.store import HistoryStore

    data.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    store = HistoryStore.open(data / "history.sqlite3")
    try:
        done = 0
        end: datetime | None = datetime.now(UTC)  # later chunks go on from the oldest
        while done < n:  # in chunks: one huge transaction needs a lot of memory
            chunk = min(20_000, n - done)
            generate_synthetic(store, chunk, seed=done, end=end)
            end = None
            done += chunk
    finally:
        store.close()
    return time.monotonic() - t0


class FrameLog:
    """Every frame the app is given to display, stamped when it was made."""

    def __init__(self, app) -> None:
        self.frames: list[tuple[float, float, object]] = []
        self._console = app.console
        display = app._display

        def stamped(screen, renderable) -> None:
            if renderable is not None:
                self.frames.append((time.perf_counter(), time.process_time(), renderable))
            display(screen, renderable)

        app._display = stamped

    def mark(self) -> int:
        """Start a measurement: frames from before it are dropped (kept, they would make each
        of Python's full garbage collections walk every segment of every frame so far)."""
        self.frames.clear()
        return 0

    def first_showing(self, since: int, *texts: str) -> tuple[float, float] | None:
        """When (wall clock, process CPU clock) the frames from `since` on had drawn every one
        of `texts` (each in one frame, not necessarily the same: a partial update draws only
        what changed)."""
        missing = set(texts)
        for stamp, cpu, renderable in self.frames[since:]:
            plain = _ESCAPES.sub("", renderable.render_segments(self._console))
            missing = {t for t in missing if t not in plain}
            if not missing:
                return stamp, cpu
        return None


async def _settle(pilot, app) -> None:
    """Until every worker has finished and the frames that follow are made."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _screen_times(data: Path, config: Path, filters: list[str], reps: int) -> dict:
    from speedtimer.config.paths import Paths
    from speedtimer.history.store import HistoryStore
    from speedtimer.sound.audio import NullAudio
    from speedtimer.tui.app import make_app
    from speedtimer.tui.screens.history_detail import session_date

    paths = Paths.resolve(data_dir=str(data), config_dir=str(config), presets_dirs=None)
    with HistoryStore.open(paths.history_db) as store:  # what each frame must show

        def expected(preset: str | None) -> tuple[str, str]:
            first = store.list_sessions(preset=preset, limit=1)[0]
            total = store.count_sessions(preset=preset)
            return session_date(first), f" of {total:,} sessions"

        want_open = expected(None)
        want_filter = {text: expected(text) for text in filters}

    app = make_app(paths, audio=NullAudio("bench"), record_history=False)
    out: dict[str, list[float]] = {k: [] for k in ("open", "filter", "trends")}
    cpu: dict[str, list[float]] = {k: [] for k in out}

    def took(what: str, t0: tuple[float, float], since: int, *texts: str) -> None:
        stamp = log.first_showing(since, *texts)
        if stamp is None:
            raise RuntimeError(f"history {what}: no frame showed {texts!r}")
        out[what].append((stamp[0] - t0[0]) * 1000)
        cpu[what].append((stamp[1] - t0[1]) * 1000)

    def now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    async with app.run_test(size=(120, 40)) as pilot:
        log = FrameLog(app)
        await pilot.pause()
        for _ in range(reps):
            since, t0 = log.mark(), now()
            app.action_history()
            await _settle(pilot, app)
            took("open", t0, since, *want_open)
            screen = app.screen

            box = screen.query_one("#history-filter")
            for text in filters:
                since, t0 = log.mark(), now()
                box.value = text
                await _settle(pilot, app)
                took("filter", t0, since, *want_filter[text])
            box.value = ""
            await _settle(pilot, app)

            since, t0 = log.mark(), now()
            await screen.action_toggle_trends()
            await _settle(pilot, app)
            took("trends", t0, since, " · last 12 weeks · ", "this week ")
            await screen.action_toggle_trends()
            await pilot.pause()
            screen.action_back()
            await _settle(pilot, app)
    return {**out, "cpu": cpu}


def export_ms(data: Path, home: Path, out: Path) -> float:
    t0 = time.monotonic()
    proc = subprocess.run(
        [PY, "-m", "speedtimer", "--data-dir", str(data), "--config-dir", str(home / "cfg"),
         "history", "export", "--format", "csv", "--output", str(out)],
        env=child_env(home), capture_output=True, timeout=600,
    )  # fmt: skip
    took = (time.monotonic() - t0) * 1000
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace")[-500:])
    return took


def run(quick: bool) -> list[Figure]:
    sizes = [1_000] if quick else [10_000, 100_000]
    reps = 2 if quick else 3
    group = "4 History"
    figs: list[Figure] = []
    for n in sizes:
        with temp_dir() as tmp:
            data, config, home = tmp / "data", tmp / "config", tmp / "home"
            home.mkdir()
            gen_s = make_db(data, n)
            times = asyncio.run(_screen_times(data, config, FILTERS, reps))
            exp = export_ms(data, home, tmp / "out.csv")
            rows = sum(1 for _ in (tmp / "out.csv").open()) - 1
        cpu = times["cpu"]

        def typical(what: str, series: dict) -> float:
            # the first open and the first trends pay for cold caches and imports: apart
            values = series[what]
            return median(values[1:] if what != "filter" and len(values) > 1 else values)

        def cpu_note(what: str, cpu: dict = cpu) -> str:
            return f"CPU {typical(what, cpu):.0f} ms"

        size = f"{n:,}"
        open_target = 300 if n <= 10_000 else 1000
        figs += [
            Figure(group, f"history first frame, {size} sessions", typical("open", times), "ms",
                   open_target, extra={"times": times},
                   note=f"{cpu_note('open')}; first open {times['open'][0]:.0f} ms; DB built in "
                        f"{gen_s:.1f} s"),
            Figure(group, f"history filter by preset, {size}", typical("filter", times),
                   "ms", 100 if n <= 10_000 else None,
                   note=f"{cpu_note('filter')}; median of {len(times['filter'])}, max "
                        f"{max(times['filter']):.0f} ms"),
            Figure(group, f"history trends panel shown, {size}", typical("trends", times), "ms",
                   note=f"{cpu_note('trends')}; 12 weekly totals + streak; first "
                        f"{times['trends'][0]:.0f} ms"),
            Figure(group, f"history export CSV, {size}", exp, "ms",
                   note=f"{rows:,} rows, whole process"),
        ]  # fmt: skip
    return figs
