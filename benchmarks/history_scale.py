"""Figure 4: the history at scale (synthetic DBs from store.generate_synthetic).

The history screen is timed in the real app under Textual's Pilot (headless, 120x40): from
pushing the screen to the first frame with the table filled, and from typing a preset filter
to the filtered table drawn (every worker finished, then one more refresh). Trends: toggling
the trends panel until its workers are done. CSV export: a real `speedtimer history export`.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

from benchmarks.common import PY, Figure, child_env, median, temp_dir


def make_db(data: Path, n: int) -> float:
    from speedtimer.store import HistoryStore, generate_synthetic

    data.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    store = HistoryStore.open(data / "history.sqlite3")
    try:
        done = 0
        while done < n:  # in chunks: one huge transaction needs a lot of memory
            chunk = min(20_000, n - done)
            generate_synthetic(store, chunk, seed=done)
            done += chunk
    finally:
        store.close()
    return time.monotonic() - t0


async def _screen_times(data: Path, config: Path, filters: list[str], reps: int) -> dict:
    from textual.widgets import DataTable, Input

    from speedtimer.app import make_app
    from speedtimer.audio import NullAudio
    from speedtimer.paths import Paths

    paths = Paths.resolve(data_dir=str(data), config_dir=str(config), presets_dirs=None)
    app = make_app(paths, audio=NullAudio("bench"), record_history=False)
    out: dict[str, list[float]] = {"open": [], "filter": [], "trends": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(reps):
            t0 = time.perf_counter()
            app.action_history()
            await pilot.pause()
            screen = app.screen
            table = screen.query_one("#history-table", DataTable)
            for _ in range(20_000):
                if not screen._busy and table.row_count > 0:
                    break
                await asyncio.sleep(0.001)
            await pilot.pause()  # the frame with the rows
            out["open"].append((time.perf_counter() - t0) * 1000)

            box = screen.query_one("#history-filter", Input)
            for text in filters:
                t0 = time.perf_counter()
                box.value = text
                await pilot.pause()
                await app.workers.wait_for_complete()
                await pilot.pause()
                out["filter"].append((time.perf_counter() - t0) * 1000)
            box.value = ""
            await pilot.pause()
            await app.workers.wait_for_complete()

            t0 = time.perf_counter()
            await screen.action_toggle_trends()
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            out["trends"].append((time.perf_counter() - t0) * 1000)
            await screen.action_toggle_trends()
            await pilot.pause()
            screen.action_back()
            await pilot.pause()
            await app.workers.wait_for_complete()
    return out


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
    from speedtimer.store import SYNTHETIC_PRESETS

    sizes = [1_000] if quick else [10_000, 100_000]
    reps = 2 if quick else 3
    group = "4 History"
    figs: list[Figure] = []
    filters = ["8 x 400", "tempo", "hill"]
    for n in sizes:
        with temp_dir() as tmp:
            data, config, home = tmp / "data", tmp / "config", tmp / "home"
            home.mkdir()
            gen_s = make_db(data, n)
            times = asyncio.run(_screen_times(data, config, filters, reps))
            # the first open pays for a cold page cache and Python imports: report it apart
            open_ms = median(times["open"][1:] or times["open"])
            filt = median(times["filter"])
            trends = median(times["trends"])
            exp = export_ms(data, home, tmp / "out.csv")
            rows = sum(1 for _ in (tmp / "out.csv").open()) - 1
        size = f"{n:,}"
        open_target = 300 if n <= 10_000 else 1000
        figs += [
            Figure(group, f"history first frame, {size} sessions", open_ms, "ms", open_target,
                   note=f"first open {times['open'][0]:.0f} ms; DB built in {gen_s:.1f} s",
                   extra={"times": times}),
            Figure(group, f"history filter by preset, {size}", filt,
                   "ms", 100 if n <= 10_000 else None,
                   note=f"median of {len(times['filter'])}, max {max(times['filter']):.0f} ms"),
            Figure(group, f"history trends panel, {size}", trends, "ms",
                   note=f"weekly totals + streak; {len(SYNTHETIC_PRESETS)} presets"),
            Figure(group, f"history export CSV, {size}", exp, "ms",
                   note=f"{rows:,} rows, whole process"),
        ]  # fmt: skip
    return figs
