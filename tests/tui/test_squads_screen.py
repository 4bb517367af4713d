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


async def test_group_and_note_are_edited_in_the_app_and_cleared_with_an_empty_answer(
    tmp_path, clock
):
    """g sets an athlete's group, o their note (issue 15.1: the file's optional group/note);
    each in one burst of keys with the cursor move, checked like a file (a note too long is
    refused and the file kept), and an empty answer takes it out of the file."""
    paths = preset_paths(tmp_path, PRESET)
    folder = paths.config_dir / "squads"
    folder.mkdir(parents=True)
    file = folder / "track.toml"
    file.write_text(
        'name = "Track"\n[[athletes]]\nname = "Ana"\ngroup = "B"\n'
        '[[athletes]]\nname = "Ben"\nkey = "7"\nrace = "5k 19:57"\n'
    )
    app = quiet_app(paths, clock, record_history=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+k")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SquadsScreen)
        screen.query_one("#athlete-table").focus()
        await pilot.press("down", "g", *"A", "enter")  # Ben's group
        await pilot.pause()
        await pilot.press("o", *"back from injury", "enter")  # still on Ben
        await pilot.pause()
        data = tomllib.loads(file.read_text())
        assert data["athletes"][1] == {
            "name": "Ben", "key": "7", "race": "5k 19:57", "group": "A",
            "note": "back from injury",
        }  # fmt: skip
        row = [str(cell) for cell in screen.query_one("#athlete-table").get_row_at(1)]
        assert row[4:] == ["A", "back from injury"]
        before = file.read_text()
        await pilot.press("o", "ctrl+u", *("x" * 201), "enter")
        await pilot.pause()
        assert any("athletes[1].note" in n for n in notices(app))
        assert file.read_text() == before  # refused: nothing lost
        screen.query_one("#athlete-table").focus()
        await pilot.press("up", "g", "ctrl+u", "enter")  # Ana's group taken out
        await pilot.pause()
        data = tomllib.loads(file.read_text())
        assert data["athletes"][0] == {"name": "Ana"}
        assert data["athletes"][1]["note"] == "back from injury"
