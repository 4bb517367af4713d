"""Figure 5: preset folders at scale.

- `preset.load_folder` on 1,000 generated small preset files (in-process, warm file cache);
- 400 valid files of 220 KB each (issue 13: `presets list` took 56 s and the app showed a blank
  screen for 57 s): `presets list` in a fresh process with no index (its 2 s budget) and with
  the index warm, and the app (headless, in-process) until its menu is on screen and until
  every file is listed;
- the menu's catalog from a warm index for 500 presets against 14 (issue 17: 500 presets
  should cost little more than 14).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

from benchmarks.common import (
    PY,
    REPO,
    Figure,
    child_env,
    median,
    temp_dir,
    write_big_presets,
    write_presets,
)


def run(quick: bool) -> list[Figure]:
    return [*_small_folder(quick), *_big_files(quick), *_index_scale(quick)]


def _small_folder(quick: bool) -> list[Figure]:
    from speedtimer.core.preset import BrokenPreset
    from speedtimer.formats.preset_toml import load_folder

    n = 1_000
    runs = 3 if quick else 7
    with temp_dir() as tmp:
        folder = tmp / "presets"
        write_presets(folder, n)
        load_folder(folder)  # warm the file cache
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            got = load_folder(folder)
            times.append((time.perf_counter() - t0) * 1000)
    broken = sum(isinstance(p, BrokenPreset) for p in got)
    return [
        Figure("5 Presets", f"load_folder, {n:,} files", median(times), "ms", 1000,
               note=f"median of {runs}; {len(got) - broken} loaded, {broken} broken"),
    ]  # fmt: skip


def _list_s(tmp: Path, folder: Path, *what: str) -> tuple[float, str]:
    """Seconds for `speedtimer presets list` (or `what`) in a fresh process, and its output."""
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    command = [PY, "-m", "speedtimer", "--config-dir", str(tmp / "c"), "--data-dir",
               str(tmp / "d"), "--cache-dir", str(tmp / "cache"), "--presets-dir", str(folder),
               "presets", *(what or ("list",))]  # fmt: skip
    t0 = time.perf_counter()
    out = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=child_env(home),
                         timeout=600)  # fmt: skip
    return time.perf_counter() - t0, out.stdout


def _app_times(tmp: Path, folder: Path) -> tuple[float, float, int]:
    """Seconds to the menu on screen (loading line shown) and to every file listed."""
    from speedtimer.config.paths import Paths
    from speedtimer.sound.audio import NullAudio
    from speedtimer.tui.app import make_app
    from speedtimer.tui.screens.menu import MenuScreen

    paths = Paths(config_dir=tmp / "c", data_dir=tmp / "d", extra_presets_dirs=(folder,),
                  cache_dir=tmp / "cache")  # fmt: skip

    async def main() -> tuple[float, float, int]:
        t0 = time.perf_counter()
        app = make_app(paths, audio=NullAudio("bench"), record_history=False)
        async with app.run_test(size=(100, 30)) as pilot:
            while not isinstance(app.screen, MenuScreen):
                await pilot.pause(0.01)
            shown = time.perf_counter() - t0
            while app.screen.reading_files:
                await pilot.pause(0.05)
            return shown, time.perf_counter() - t0, len(app.catalog.entries)

    return asyncio.run(main())


def _big_files(quick: bool) -> list[Figure]:
    n = 40 if quick else 400
    with temp_dir() as tmp:
        folder = tmp / "big"
        write_big_presets(folder, n)
        size_kb = (folder / "big-0000.toml").stat().st_size / 1024
        show, shown_out = _list_s(tmp, folder, "show", f"Big {n - 1:04d}")
        cold, out = _list_s(tmp, folder)
        unchecked = out.count("  ?  ")
        shown, complete, listed = _app_times(tmp, folder)  # it fills the same index
        warm, _ = _list_s(tmp, folder)
    what = f"{n} files of {size_kb:.0f} KB"
    return [
        Figure("5 Presets", f"presets list, {what}, no index", cold, "s", 3.0,
               note=f"fresh process; {unchecked} listed from their first lines (2 s budget)"),
        Figure("5 Presets", f"presets show (the last one), {what}, no index", show, "s", 2.0,
               note="only the preset asked for is read in full"
               + ("" if f"Big {n - 1:04d}" in shown_out else "; FAILED to show it")),
        Figure("5 Presets", f"presets list, {what}, index warm", warm, "s", 1.0,
               note="after the app read every file"),
        Figure("5 Presets", f"app: menu on screen, {what}, no index", shown, "s", 1.5,
               note="headless, in-process, from make_app; the files are read after it"),
        Figure("5 Presets", f"app: every file listed, {what}, no index", complete, "s",
               note=f"{listed} entries, read on a worker thread while the menu answers keys"),
    ]  # fmt: skip


def _index_scale(quick: bool) -> list[Figure]:
    from speedtimer.config.paths import Paths
    from speedtimer.formats.catalog import load_catalog

    runs = 3 if quick else 9
    results = {}
    with temp_dir() as tmp:
        for n in (0, 500):  # 0 extra: the 14 bundled presets alone
            folder = tmp / f"extra{n}"
            write_presets(folder, n)
            paths = Paths(config_dir=tmp / "c", data_dir=tmp / "d", cache_dir=tmp / f"cache{n}",
                          extra_presets_dirs=(folder,))  # fmt: skip
            load_catalog(paths)  # fill the index
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                catalog = load_catalog(paths)
                times.append((time.perf_counter() - t0) * 1000)
            results[n] = (median(times), len(catalog.entries))
    (small, n_small), (large, n_large) = results[0], results[500]
    return [
        Figure("5 Presets", f"menu catalog from the index, {n_large} presets", large, "ms", 100,
               note=f"median of {runs}; {n_small} presets: {small:.1f} ms"),
    ]  # fmt: skip
