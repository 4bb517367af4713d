"""Figure 5: `load_folder` (formats/preset_toml.py) on 1,000 generated preset files, warm cache."""

from __future__ import annotations

import time

from benchmarks.common import Figure, median, temp_dir, write_presets


def run(quick: bool) -> list[Figure]:
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
