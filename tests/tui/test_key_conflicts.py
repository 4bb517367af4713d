"""A [keys] remap that takes a key already bound on the same screen is reported, naming the
binding that lost it (issue 12, bug 5); a remap that takes nothing is silent and costs no
other binding its keys (Textual drops a neighbour's shared key: pause = "p" lost resume's space).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from speedtimer.config.paths import Paths
from speedtimer.tui.app import SpeedTimerApp
from speedtimer.tui.keymap import _applied, _binding_namespaces, _keys_by_id, binding_ids
from speedtimer.tui.keymap import plan_keymap as plan_for
from tests.conftest import REPO
from tests.helpers_app import notices, quiet_app


@pytest.fixture
def app_paths(tmp_path) -> Paths:
    return Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")


def plan_keymap(keymap: dict[str, str]):
    return plan_for(keymap, SpeedTimerApp)


def settings_with(paths: Paths, keys: str) -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.settings_file.write_text(f"get_ready = 0\n[keys]\n{keys}\n")


def test_the_reported_case_names_the_binding_that_lost_the_key():
    _, [conflict] = plan_keymap({"skip": "enter"})
    assert (conflict.winner, conflict.key, conflict.loser) == ("skip", "enter", "lap")
    assert conflict.where == "run screen" and conflict.loser_keeps == ("l",)
    text = conflict.message("settings.toml", "enter")
    assert "keys.skip = 'enter' takes enter from 'lap' (Lap) on the run screen" in text
    assert "lap keeps l" in text


def test_a_key_taken_from_every_key_of_a_binding_says_it_has_none_left():
    _, conflicts = plan_keymap({"lap": "space"})
    assert {(c.loser, c.loser_keeps) for c in conflicts} == {("pause", ()), ("resume", ())}
    assert "has no key left" in conflicts[0].message("s", "space")


def test_the_apps_priority_quit_key_is_reported_too():
    _, [conflict] = plan_keymap({"skip": "ctrl+q"})
    assert conflict.priority and conflict.loser == "quit"
    assert "never gets it on the run screen" in conflict.message("s", "ctrl+q")


@pytest.mark.parametrize("bid", sorted(binding_ids(SpeedTimerApp)))
def test_a_remap_to_a_free_key_takes_nothing_from_anyone(bid):
    """Every binding id, moved to a key nothing uses: no conflict, and every other binding
    keeps all of its keys on every screen (Textual alone would drop shared ones)."""
    completed, conflicts = plan_keymap({bid: "f19"})
    assert conflicts == []
    for _, bindings in _binding_namespaces(SpeedTimerApp):
        before = _keys_by_id(bindings)
        after = _keys_by_id(_applied(bindings, completed))
        for other, keys in before.items():
            if other != bid:
                assert after.get(other) == keys, (bid, other)
        if bid in before:
            assert after[bid] == ["f19"]


def test_swaps_and_moves_that_take_nothing_are_silent():
    assert plan_keymap({"skip": "enter", "lap": "n"})[1] == []
    assert plan_keymap({"mute": "v", "voice": "m"})[1] == []
    assert plan_keymap({})[1] == []


async def test_the_app_reports_the_conflict_and_does_what_it_says(app_paths, clock):
    from speedtimer.formats.quick import parse_quick

    settings_with(app_paths, 'skip = "enter"')
    app = quiet_app(app_paths, clock, start_preset=parse_quick("1:00 work, 1:00 rest"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        run = app.screen
        await pilot.press("l")  # lap keeps l: a split in the timed step
        await pilot.pause()
        assert len(run.session.timer.current_splits) == 1
        await pilot.press("enter")  # as reported: enter now skips
        await pilot.pause()
        assert run.current_phase() == "rest"
        clock.advance(61)  # the notice waits for the session's end (it covers no step)
        run.tick()
        await pilot.pause()
        said = [n for n in notices(app) if "keys.skip" in n]
    assert len(said) == 1, notices(app)
    # the short notice names the binding that lost the key, and says the remap was applied
    assert "keys.skip (takes enter from 'lap')" in said[0]
    assert "The key is moved as asked" in said[0] and "Defaults apply" not in said[0]


async def test_pause_moved_keeps_resume_on_space(app_paths, clock):
    from speedtimer.formats.quick import parse_quick

    settings_with(app_paths, 'pause = "p"')
    app = quiet_app(app_paths, clock, start_preset=parse_quick("1:00 work, 1:00 rest"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not [n for n in notices(app) if "keys." in n]
        run = app.screen
        await pilot.press("p")
        await pilot.pause()
        assert run.current_phase() == "paused"
        await pilot.press("space")  # still resume's key
        await pilot.pause()
        assert run.current_phase() == "work"
        await pilot.press("space")  # no longer pause's
        await pilot.pause()
        assert run.current_phase() == "work"


def test_config_show_lists_the_conflict(tmp_path):
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "settings.toml").write_text('[keys]\nskip = "enter"\n')
    out = subprocess.run(
        [sys.executable, "-m", "speedtimer", "--config-dir", str(cfg), "config", "show"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=120,
    )
    assert "keys.skip = 'enter' takes enter from 'lap' (Lap) on the run screen" in (
        out.stdout + out.stderr
    )
