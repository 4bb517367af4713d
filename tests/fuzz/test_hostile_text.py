"""Text from files that tries to break the screen: Textual markup, click actions, bidi and
zero-width characters, control characters in file names. The real app shows it as plain text,
never as styles or actions, and nothing but Textual's own sequences reaches the terminal."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Static

from speedtimer.config.paths import Paths
from speedtimer.sound.audio import NullAudio
from speedtimer.tui.app import make_app
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.screens.run import RunScreen
from speedtimer.tui.screens.summary import SummaryScreen
from tests.helpers_terminal import HOSTILE_SEQUENCES, raw_controls, terminal_bytes
from tests.reliability import tried

# Valid TOML and a valid preset: markup, a click action, bidi overrides, zero-width and
# combining characters, a family emoji (ZWJ sequence), wide characters and a 2000-char label.
MARKUP = "[/] [@click=app.quit]quit[/] [b]bold [link='file:///etc/passwd']x"
RTL = "\u202eevil\u202c \u2066iso\u2069 zero\u200bwidth e\u0301 \U0001f469\u200d\U0001f467 走走"
HOSTILE_PRESET = f'''
name = "Evil {MARKUP}"
description = "{MARKUP}\\n{RTL}"
category = "custom"
tags = ["[/]", "{RTL}"]
countdown = 0

[[steps]]
kind = "work"
label = "{MARKUP}"
duration = 5

[[steps]]
kind = "rest"
label = "{RTL}"
duration = 5

[[steps]]
kind = "cooldown"
label = "{"走" * 1000 + "x" * 1000}"
duration = 5
'''
# A broken file whose error message quotes markup back (an unknown key named "[/]").
BROKEN_MARKUP = 'name = "Broken [/] one"\n[[steps]]\nkind = "work"\n"[/]" = 5\n'


class Silent(NullAudio):
    def __init__(self) -> None:
        super().__init__("test: no sound")


@pytest.fixture
def hostile(tmp_path) -> Paths:
    paths = Paths(config_dir=tmp_path / "config", data_dir=tmp_path / "data")
    folder = paths.user_presets_dir
    folder.mkdir(parents=True)
    (folder / "evil.toml").write_text(HOSTILE_PRESET, encoding="utf-8")
    (folder / "broken-markup.toml").write_text(BROKEN_MARKUP, encoding="utf-8")
    # a file name with an escape sequence in it, and a broken file whose name = "..." line
    # holds raw control characters (invalid TOML: the menu guesses the name from that line)
    (folder / "\x1b]0;pwned\x07\x1b[2J.toml").write_text("not = [toml", encoding="utf-8")
    (folder / "raw-controls.toml").write_bytes(b'name = "Raw \x1b[2J\xc2\x9b31m name"\n[[steps]\n')
    return paths


def assert_terminal_clean(app) -> None:
    out = terminal_bytes(app)
    assert [s for s in HOSTILE_SEQUENCES if s in out] == []
    assert raw_controls(app) == []


def shown(screen) -> str:
    return " ".join(str(w.content) for w in screen.query(Static))


async def settle(pilot, times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


@tried(
    "Preset files",
    "labels, name, description and tags made of Textual markup and click actions "
    "([/], [@click=app.quit], [link=...]), bidi overrides, zero-width and combining "
    "characters, emoji ZWJ sequences, a 2000-character label; file names and broken files "
    "with ESC, OSC and C1 control sequences; run from menu to summary to history",
    "every text shown literally in menu, details, notifications, run screen, summary, delete "
    "question and history; no markup applied, no action run, no escape sequence from a file "
    "reached the terminal; the session was saved",
)
async def test_hostile_text_is_shown_as_text_everywhere(hostile, tmp_path):
    from tests.conftest import FakeClock

    clock = FakeClock()
    app = make_app(
        hostile, clock=clock, wall_clock=clock.wall, audio=Silent(), get_ready_s=0, mute=True
    )
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        menu = app.screen
        assert isinstance(menu, MenuScreen)
        broken = {b.source.name: b for b in app.catalog.broken}
        assert set(broken) == {
            "broken-markup.toml",
            "\x1b]0;pwned\x07\x1b[2J.toml",
            "raw-controls.toml",
        }
        names = {b.display_name for b in broken.values()}
        assert "\\x1b]0;pwned\\x07\\x1b[2J" in names  # spelled out, not sent
        assert "Raw \\x1b[2J\\x9b31m name" in names
        assert_terminal_clean(app)

        # the broken file that quotes markup back: listed, its error shown, enter notifies it
        await pilot.press(*"markup")
        await settle(pilot)
        assert "unknown key '[/]'" in shown(menu)
        await pilot.press("enter")
        await settle(pilot)
        assert any("unknown key '[/]'" in n.message for n in app._notifications)
        assert_terminal_clean(app)

        for _ in "markup":
            await pilot.press("backspace")
        await pilot.press(*"evil")
        await settle(pilot)
        details = shown(menu)
        assert f"Evil {MARKUP}" in details and RTL in details
        assert_terminal_clean(app)

        # the delete question quotes the name
        await pilot.press("ctrl+x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert MARKUP in shown(app.screen)
        assert_terminal_clean(app)
        await pilot.press("n")
        await settle(pilot)
        assert (hostile.user_presets_dir / "evil.toml").exists()

        await pilot.press("enter")
        await settle(pilot)
        run = app.screen
        assert isinstance(run, RunScreen)
        seen = []
        for _ in range(3):
            run.tick()
            await settle(pilot)
            seen.append(shown(run))
            assert_terminal_clean(app)
            clock.advance(5.0)
        run.tick()
        await settle(pilot)
        assert MARKUP in seen[0] and RTL in seen[1] and "走走走" in seen[2]
        assert isinstance(app.screen, SummaryScreen)
        assert MARKUP in shown(app.screen)
        assert_terminal_clean(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.is_running  # no click action ran: app.quit would have ended it

        from tests.tui.test_history_screen import open_history, table_rows

        history = await open_history(pilot)
        assert any(f"Evil {MARKUP}"[:20] in row[1] for row in table_rows(history))
        assert_terminal_clean(app)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert MARKUP in shown(app.screen)
        assert_terminal_clean(app)

    with sqlite3.connect(hostile.history_db) as db:
        labels = [r[0] for r in db.execute("SELECT label FROM steps ORDER BY idx")]
    assert labels[:2] == [MARKUP, RTL]


def test_file_names_that_are_not_utf8_are_listed_as_escapes(tmp_path):
    """Undecodable bytes in a file name reach Python as lone surrogates, which cannot be
    written to the terminal at all; they are spelled out instead."""
    from speedtimer.formats.preset_toml import load_folder

    folder = tmp_path / "p"
    folder.mkdir()
    raw = bytes(folder) + b"/caf\xe9.toml"
    with open(raw, "wb") as fh:
        fh.write(b"= broken")
    [entry] = load_folder(Path(folder))
    assert entry.display_name == "caf\\xe9"
    assert "\\xe9" in str(entry.error) and str(entry.error).encode("utf-8")
