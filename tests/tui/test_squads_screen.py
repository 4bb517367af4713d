"""Coach mode's squads in the app (issue 15.1): from the menu (ctrl+k, the palette), a new squad,
athletes added, renamed and removed, a race and a key set; every change checked like a file
(a reserved key is refused, the file kept) and written to <config>/squads/."""

from __future__ import annotations

import tomllib

from speedtimer.tui.screens.squads import SquadsScreen
from tests.helpers_app import notices, preset_paths, quiet_app

PRESET = 'name = "Squad trial"\n[[steps]]\nkind = "work"\nduration = 10\n'


async def test_make_and_edit_a_squad_in_the_app(tmp_path, clock):
    paths = preset_paths(tmp_path, PRESET)
    app = quiet_app(paths, clock, record_history=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+k")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SquadsScreen)
        await pilot.press("n", *"Tuesday group", "enter")
        await pilot.pause()
        for name in ("Ana", "Ben", "Cy"):
            await pilot.press("a", *name, "enter")
            await pilot.pause()
        file = paths.config_dir / "squads" / "tuesday-group.toml"
        data = tomllib.loads(file.read_text())
        assert [a["name"] for a in data["athletes"]] == ["Ana", "Ben", "Cy"]
        screen.query_one("#athlete-table").focus()
        await pilot.press("down")  # Ben
        await pilot.press("t", *"5k 19:57", "enter")
        await pilot.pause()
        await pilot.press("k", *"q", "enter")  # q ends the session on the group screen
        await pilot.pause()
        assert any("reserved" in n for n in notices(app))
        await pilot.press("r", *["backspace"] * 3, *"Benji", "enter")  # still on Ben
        await pilot.pause()
        screen.query_one("#athlete-table").focus()
        await pilot.press("down", "d", "y")  # Cy goes
        await pilot.pause()
        data = tomllib.loads(file.read_text())
        assert data["athletes"] == [{"name": "Ana"}, {"name": "Benji", "race": "5k 19:57"}]
        assert "50.0" in str(screen.query_one("#athlete-table").get_row_at(1))


async def test_the_palette_opens_the_squads(tmp_path, clock):
    app = quiet_app(preset_paths(tmp_path, PRESET), clock, record_history=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Squads")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SquadsScreen)
        assert "none yet" in str(app.screen.query_one("#squads-title").render())
