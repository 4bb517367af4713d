"""The in-process first-frame probe (issue 17's before/after) still finds the menu's frame."""

from __future__ import annotations

from benchmarks.common import REPO
from benchmarks.first_frame_probe import measure


def test_the_probe_times_the_menus_first_frame_and_the_bare_app():
    results, cpu = measure([("bare", REPO), ("now", REPO)], runs=1)
    assert len(results["bare"]) == 1 and len(results["now"]) == 1
    assert 0 < results["bare"][0] < 15_000 and 0 < results["now"][0] < 15_000
    # the CPU the process used up to the frame: some, and no more than the time it took
    for label in ("bare", "now"):
        assert 0 < cpu[label][0] <= results[label][0] * 1.05 + 20
