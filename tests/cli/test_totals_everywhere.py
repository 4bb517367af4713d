"""Issue 12, bug 10: one totals rule with one label in the menu (list and details), the
editor, `presets list`, `presets show` (header and footer), `show --json` and `validate`."""

from __future__ import annotations

import json

from speedtimer.cli.main import main
from speedtimer.config.paths import Paths
from speedtimer.tui.screens.editor import EditorScreen
from tests.helpers_app import quiet_app

PRESET = """
name = "Mixed totals"
category = "intervals"

[[steps]]
kind = "warmup"
duration = "10:00"

[[steps]]
repeat = 4
  [[steps.steps]]
  kind = "work"
  until = "lap"
  distance_m = 1000
  target_pace = "3:55/km"
  [[steps.steps]]
  kind = "rest"
  duration = 90

[[steps]]
repeat = 6
  [[steps.steps]]
  kind = "work"
  until = "lap"
  distance_m = 200
  [[steps.steps]]
  kind = "rest"
  duration = 60

[[steps]]
kind = "cooldown"
duration = "10:00"
"""
# 10:00 + 4 x 1:30 + 6 x 1:00 + 10:00 = 32:00 timed, 4 x 3:55 estimated: ~47:40
LABEL = "~47:40 + 6 x 200 m"


def paths_with_preset(tmp_path) -> Paths:
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    paths.user_presets_dir.mkdir(parents=True)
    (paths.user_presets_dir / "mixed.toml").write_text(PRESET)
    return paths


def cli(tmp_path, capsys, *args: str) -> str:
    code = main(["--config-dir", str(tmp_path / "config"), "--data-dir", str(tmp_path / "data"),
                 *args])  # fmt: skip
    assert code == 0
    return capsys.readouterr().out


def test_the_commands_say_the_same_total(tmp_path, capsys):
    paths = paths_with_preset(tmp_path)
    listing = cli(tmp_path, capsys, "presets", "list")
    (row,) = [ln for ln in listing.splitlines() if ln.startswith("Mixed totals")]
    assert LABEL in row
    shown = cli(tmp_path, capsys, "presets", "show", "Mixed totals")
    assert shown.splitlines()[0] == f"Mixed totals  (intervals, {LABEL})"
    assert f"Total: {LABEL}" in shown
    assert "Total planned (timed steps)" not in shown
    data = json.loads(cli(tmp_path, capsys, "presets", "show", "Mixed totals", "--json"))
    assert data["total"]["label"] == LABEL
    assert data["total"]["not_counted"] == [{"what": "200 m", "count": 6}]
    checked = cli(
        tmp_path, capsys, "presets", "validate", str(paths.user_presets_dir / "mixed.toml")
    )
    assert checked.strip().endswith(LABEL)


async def test_the_menu_and_the_editor_say_the_same_total(tmp_path, clock):
    app = quiet_app(paths_with_preset(tmp_path), clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press(*"mixed")
        await pilot.pause()
        options = app.screen.query_one("#preset-list")
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert f"  Mixed totals  ({LABEL})" in prompts
        details = str(app.screen.query_one("#details").content)
        assert f"Total {LABEL} · " in details
        assert "~ lap-ended steps counted at their target pace." in details
        assert "+ lap-ended steps without a pace: not counted." in details
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert isinstance(app.screen, EditorScreen)
        assert f"Total {LABEL} · " in str(app.screen.query_one("#editor-outline").content)


def test_plain_output_shows_the_targets_as_the_run_screen_does(tmp_path):
    import subprocess
    import sys

    preset = tmp_path / "t.toml"
    preset.write_text(
        'name = "Plain targets"\ncountdown = 0\n[[steps]]\nkind = "work"\nlabel = "Tempo"\n'
        'duration = 1\ntarget_pace = "4:25-4:35/km"\ntarget_text = "Z3 HR"\n'
    )
    out = subprocess.run(
        [sys.executable, "-m", "speedtimer", "--config-dir", str(tmp_path / "c"), "--data-dir",
         str(tmp_path / "d"), "--mute", "--get-ready", "0", "run", str(preset), "--plain"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "Work: Tempo 0:01 · target 4:25–4:35/km · Z3 HR"
