"""Starting coach mode from the menu (issue 15.2): a key (and the palette) on the highlighted
preset asks for the squad, then who is here today (all ticked), and opens the group run screen
with those athletes; bursts of keys land where they were meant; broken squad files are named."""

from __future__ import annotations

from textual.widgets import SelectionList

from speedtimer.tui.modals.squad_pick import SquadPicker
from speedtimer.tui.screens.group_run import GroupRunScreen
from tests.helpers_app import notices, preset_paths, quiet_app

PRESET = """
name = "Squad trial"
tags = ["squadonly"]
[[steps]]
kind = "work"
until = "lap"
distance_m = 400
"""


def with_squads(tmp_path, *files: tuple[str, str]):
    paths = preset_paths(tmp_path, PRESET)
    folder = paths.config_dir / "squads"
    folder.mkdir(parents=True)
    for name, text in files:
        (folder / name).write_text(text)
    return paths


TUESDAY = 'name = "Tuesday"\n' + "".join(
    f'[[athletes]]\nname = "{n}"\n' for n in ("Ana", "Ben", "Cy")
)
SPRINTERS = 'name = "Sprinters"\n[[athletes]]\nname = "Dee"\n'


async def test_pick_squad_untick_the_absent_and_run(tmp_path, clock):
    paths = with_squads(tmp_path, ("tuesday.toml", TUESDAY), ("sprint.toml", SPRINTERS))
    app = quiet_app(paths, clock, get_ready_s=0, record_history=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"squadonly")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, SquadPicker)
        await pilot.press("down", "enter")  # squads are listed by file: sprint, tuesday
        await pilot.pause()
        assert app.screen.squad.name == "Tuesday"
        await pilot.press("down", "space", "enter")  # Ben is not here today
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, GroupRunScreen)
        assert [r.name for r in screen.session.runners] == ["Ana", "Cy"]
        assert screen.session.preset.name == "Squad trial"


async def test_one_squad_in_a_burst_and_escape_changes_nothing(tmp_path, clock):
    paths = with_squads(tmp_path, ("tuesday.toml", TUESDAY), ("bad.toml", "name = 3\n"))
    app = quiet_app(paths, clock, get_ready_s=0, record_history=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"squadonly")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        hint = str(app.screen.query_one("#squad-hint").render())
        assert "bad.toml" in hint and "name" in hint, "the broken file is named, not hidden"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, (SquadPicker, GroupRunScreen))
        await pilot.press("ctrl+g", "enter")  # one squad: everyone ticked, straight in
        await pilot.pause()
        assert isinstance(app.screen, GroupRunScreen)
        assert [r.name for r in app.screen.session.runners] == ["Ana", "Ben", "Cy"]


async def test_no_squad_says_how_to_make_one(tmp_path, clock):
    paths = with_squads(tmp_path)
    app = quiet_app(paths, clock, get_ready_s=0, record_history=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"squadonly")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert not isinstance(app.screen, SquadPicker)
        assert any("speedtimer squads new" in n for n in notices(app))


async def test_the_palette_offers_a_squad_run(tmp_path, clock):
    paths = with_squads(tmp_path, ("tuesday.toml", TUESDAY))
    app = quiet_app(paths, clock, get_ready_s=0, record_history=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"squadonly")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"with a squad")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SquadPicker)


async def test_names_that_look_like_markup_are_shown_as_written(tmp_path, clock):
    from tests.helpers_app import screen_text

    hostile = (
        'name = "[b]Sq[/b] [red"\n[[athletes]]\nname = "Ana [red"\n'
        '[[athletes]]\nname = "[/]Ben"\ngroup = "[@click=app.quit]"\n'
    )
    paths = with_squads(tmp_path, ("a.toml", hostile), ("b.toml", SPRINTERS))
    app = quiet_app(paths, clock, get_ready_s=0, record_history=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press(*"squadonly")
        await pilot.pause()
        await pilot.press("ctrl+g", "enter")
        await pilot.pause()
        assert "[/]Ben" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GroupRunScreen)
        assert "Ana [red" in screen_text(app) and "[/]Ben" in screen_text(app)
        await pilot.press("escape", "y")  # end the session
        await pilot.pause()
        clock.advance(1.0)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+k")
        await pilot.pause()
        shown = screen_text(app)
        assert "[b]Sq[/b] [red" in shown and "[@click=app.quit]" in shown


async def test_a_group_starts_by_taps_alone(tmp_path, clock):
    """A phone without a keyboard: a tap on the squad, a tap on the absent athlete, a tap on
    the footer's Start."""
    paths = with_squads(tmp_path, ("tuesday.toml", TUESDAY), ("sprint.toml", SPRINTERS))
    app = quiet_app(paths, clock, get_ready_s=0, record_history=False)
    async with app.run_test(size=(88, 17)) as pilot:
        await pilot.pause()
        await pilot.press(*"squadonly")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, SquadPicker)
        await pilot.click("#squads", offset=(4, 2))  # the second squad (under a border): Tuesday
        await pilot.pause()
        assert picker.squad is not None and picker.squad.name == "Tuesday"
        athletes = picker.query_one("#athletes", SelectionList)
        for _ in range(10):  # laid out once it is shown (a busy machine takes a frame more)
            if athletes.region.height:
                break
            await pilot.pause()
        await pilot.click("#athletes", offset=(6, 2))  # Ben is not here today
        await pilot.pause()
        assert sorted(athletes.selected) == [0, 2]
        footer = picker.query_one("Footer")
        start = next(k for k in footer.query("FooterKey") if "Start" in str(k.render()))
        await pilot.click(start)
        await pilot.pause()
        assert isinstance(app.screen, GroupRunScreen)
        assert [r.name for r in app.screen.session.runners] == ["Ana", "Cy"]
