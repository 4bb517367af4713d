"""The first screen's import budget: what a later screen, a subcommand or a session needs is not
imported before the menu shows its presets (issue 17).

Each feature that lands adds modules; this test fails the day one of them is pulled in front of
the first frame. The app is started for real, through `speedtimer`'s own entry point, in a fresh
interpreter (Textual's headless driver), and the modules loaded at the moment the menu first
lists presets are compared with a list of heavy or later-only ones. Both a warm start (settings
and data there) and a first run (nothing there yet) are tried.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import REPO

# Not needed to show the menu: each comes when a screen, a command or a session first wants it.
LATER = {
    "sqlite3": "the history database (opened after the first frame)",
    "hashlib": "a file's digest (the editor asks whether another program changed it): 4 ms",
    "tomli_w": "writing TOML (saving a preset, the settings file of a first run)",
    "fit_tool": "FIT export",
    "aiohttp": "speedtimer serve",
    "textual_serve": "speedtimer serve",
    "multiprocessing": "the sound helper (started after the first frame)",
    "speedtimer.history.store": "the history",
    "speedtimer.history.recorder": "recording a session",
    "speedtimer.session": "a session",
    "speedtimer.sound.audio": "the sound helper",
    "speedtimer.sound.voice": "the voice",
    "speedtimer.formats.fit_workout": "FIT workouts",
    "speedtimer.formats.intervals_icu": "intervals.icu import and export",
    "speedtimer.formats.quick": "the quick grammar (run --quick)",
    "speedtimer.formats.exporters": "preset export",
    "speedtimer.config.template": "the commented settings file (first run: after the frame)",
    "speedtimer.tui.keymap": "every screen's bindings (custom keys, the settings file)",
    "speedtimer.tui.screens.run": "the run screen",
    "speedtimer.tui.screens.summary": "the summary",
    "speedtimer.tui.screens.editor": "the editor",
    "speedtimer.tui.screens.history": "the history screen",
    "speedtimer.tui.screens.history_detail": "a session's detail",
    "speedtimer.core.group": "coach mode",
    "speedtimer.core.announce": "the announcer (a session's voice); settings need its phrases only",
    "speedtimer.core.timer": "the timer (a session)",
    "speedtimer.machine_sleep": "the sleep watch and keep-awake of a session",
    "speedtimer.tui.modals.confirm": "a question (delete, quit during a session)",
    "speedtimer.group_session": "coach mode",
    "speedtimer.formats.squad": "squads",
    "speedtimer.tui.screens.group_run": "coach mode's run screen",
    "speedtimer.tui.screens.group_summary": "coach mode's summary",
    "speedtimer.tui.screens.squads": "the squads screen",
    "speedtimer.cli.serve": "speedtimer serve",
    "speedtimer.cli.history": "history commands",
    "speedtimer.cli.presets": "presets commands",
}
# A warm start lists the presets from the index: no preset file is parsed, no schedule built.
WARM_LATER = {
    "speedtimer.formats.preset_toml": "reading a preset file (the index has the list's lines)",
    "speedtimer.core.schedule": "a preset's schedule (a session, the editor, a changed file)",
}

PROBE = """
import json, sys
from speedtimer.tui.screens import menu

seen = {}
shown = menu.MenuScreen.show_catalog

def show_catalog(self, catalog):
    shown(self, catalog)
    if not seen and catalog.entries:
        seen["modules"] = sorted(sys.modules)
        seen["entries"] = len(catalog.entries)
        self.app.exit()

menu.MenuScreen.show_catalog = show_catalog
from speedtimer.cli.main import main

code = main(sys.argv[1:])
print(json.dumps(seen))
sys.exit(code)
"""


# A first run that goes on past its first frame until the work left for after it is done (the
# settings file, the history's tidy), as a runner's first start does; then it ends.
WARM_UP = """
import sys
from speedtimer.tui.app import SpeedTimerApp

after = SpeedTimerApp._after_first_frame

def after_first_frame(self):
    after(self)

    async def leave():
        await self.workers.wait_for_complete()
        self.exit()

    self.call_later(leave)

SpeedTimerApp._after_first_frame = after_first_frame
from speedtimer.cli.main import main

sys.exit(main(sys.argv[1:]))
"""


def run_app(tmp_path, code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, TEXTUAL_DRIVER="textual.drivers.headless_driver:HeadlessDriver")
    out = subprocess.run(
        [sys.executable, "-c", code, "--config-dir", str(tmp_path / "config"),
         "--data-dir", str(tmp_path / "data"), "--mute"],
        capture_output=True, text=True, timeout=60, cwd=REPO, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out


def first_screen_modules(tmp_path) -> tuple[int, set[str]]:
    out = run_app(tmp_path, PROBE)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    return seen["entries"], set(seen["modules"])


def test_the_budget_names_real_modules():
    """A renamed module would leave its line here checking nothing."""
    missing = [name for name in LATER | WARM_LATER if importlib.util.find_spec(name) is None]
    assert missing == []


@pytest.mark.parametrize("start", ["first run", "warm"])
def test_the_first_screen_imports_nothing_a_later_screen_needs(tmp_path, start):
    if start == "warm":
        # Not the probe: it ends the app at the first list, before the work that comes after
        # the first frame has written anything (a race it lost on a busy machine).
        run_app(tmp_path, WARM_UP)
        assert (tmp_path / "config" / "settings.toml").is_file()
    entries, modules = first_screen_modules(tmp_path)
    assert entries >= 10  # the bundled presets are listed
    later = LATER | (WARM_LATER if start == "warm" else {})
    early = {name: why for name, why in later.items() if name in modules}
    assert early == {}, f"imported before the first screen: {early}"
    settings = tmp_path / "config" / "settings.toml"
    if settings.exists():  # a first run writes it after the first frame: never a cut file
        tomllib.loads(settings.read_text(encoding="utf-8"))
