"""The phone as the coach's remote (issue 15.7), as a coach uses it: `speedtimer serve`, a
real headless Chromium with a phone's landscape viewport and touch screen, a squad, and a
whole rep run by tapping the athletes' buttons and Mark, Undo, End rep, on the real clock.
The marks are read back from the served app's own SQLite history (one session per athlete),
and each target's size is measured in CSS pixels from what xterm.js drew (its cells'
backgrounds), not from the app's idea of it. A screenshot is kept in test-artifacts/.
"""

from __future__ import annotations

import sqlite3
import time

from tests.e2e.test_serve import Page, browser, screenshot, served  # noqa: F401 - fixtures

PRESET = """
name = "Phone squad"
tags = ["phonepad"]
countdown = 0

[[steps]]
repeat = 2
[[steps.steps]]
kind = "work"
until = "lap"
distance_m = 200
[[steps.steps]]
kind = "rest"
duration = 60
"""
SQUAD = 'name = "Track club"\n' + "".join(
    f'[[athletes]]\nname = "{n}"\n' for n in ("Ana", "Ben", "Cy", "Dee", "Eve")
)

# The extent of the button drawn under a cell: the run of cells with its background, across
# and down to the button's bottom edge (a row of "▁", drawn on the button's own background).
TARGET_BOX = """([row, col]) => {
  const term = window.__speedtimerTerminal, buf = term.buffer.active;
  const cell = (y, x) => buf.getLine(y).getCell(x);
  const bg = (y, x) => { const c = cell(y, x); return c.getBgColorMode() + ":" + c.getBgColor(); };
  const edge = (y) => cell(y, col).getChars() === "\u2581";
  const want = bg(row, col);
  let left = col, right = col, top = row, bottom = row;
  while (left > 0 && bg(row, left - 1) === want) left--;
  while (right < term.cols - 1 && bg(row, right + 1) === want) right++;
  while (top > 0 && bg(top - 1, col) === want && !edge(top - 1)) top--;
  while (bottom < term.rows - 1 && !edge(bottom) && bg(bottom + 1, col) === want) bottom++;
  return {left, right, top, bottom};
}"""


def target_px(page: Page, text: str, below: int = 1) -> tuple[float, float, dict]:
    """Width and height in CSS px of the button showing `text`, measured `below` rows under
    it (an athlete's state line, under the name: the key's badge beside it has its own
    colours)."""
    lines = page.screen().splitlines()
    row = next(i for i, line in enumerate(lines) if text in line)
    col = lines[row].index(text) + 1
    cells = page.page.evaluate(TARGET_BOX, [row + below, col])
    box = page.terminal_box()
    cell_w, cell_h = box["width"] / box["cols"], box["height"] / box["rows"]
    width = (cells["right"] - cells["left"] + 1) * cell_w
    height = (cells["bottom"] - cells["top"] + 1) * cell_h
    return width, height, {**cells, "x": box["x"] + cells["left"] * cell_w}


def on_track(page: Page) -> int:
    return page.screen().count("on track")


def wait_count(page: Page, text: str, count: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.screen().count(text) == count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never shown {count} times; screen:\n{page.screen()}")


def settle(page: Page, quiet: float = 0.5, timeout: float = 10) -> None:
    """Until the screen has not changed for `quiet` seconds: a tap while the footer is being
    rebuilt (the menu's keys follow its filter) can fall between its keys."""
    deadline = time.monotonic() + timeout
    last, since = page.screen(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = page.screen()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return


def test_a_phone_held_sideways_runs_a_rep_of_a_squad_by_taps(served, browser):  # noqa: F811
    s = served("--port", "0", global_args=("--get-ready", "1"))
    (s.presets / "phone.toml").write_text(PRESET)
    squads = s.data.parent / "config" / "squads"
    squads.mkdir(parents=True, exist_ok=True)
    (squads / "club.toml").write_text(SQUAD)
    page = browser(s.url(), viewport={"width": 844, "height": 390}, is_mobile=True, has_touch=True)

    page.wait_for("Type to filter", timeout=30)
    page.tap("Type to filter")
    page.page.keyboard.type("phonepad")
    page.wait_for("Phone squad", gone="Tabata")
    # No ctrl on a phone's keyboard: the palette (the footer's ^p) runs it with a squad.
    settle(page)
    page.tap("^p palette")
    page.wait_for("Search for commands")
    page.page.keyboard.type("squad")
    settle(page)
    page.tap("Run with a squad")
    page.wait_for("who is here today")  # one squad: everyone ticked
    settle(page)
    page.tap("Start")  # the picker's footer key
    screen = page.wait_for("tap an athlete at the finish", timeout=30)
    assert "Mark" in screen and "End rep" in screen and "Undo" in screen
    wait_count(page, "on track", 5)

    # Thumb-sized: every athlete's button is 44 CSS px or more each way, on the screen.
    targets = [(f" {n}", 1) for n in ("Ana", "Ben", "Cy", "Dee", "Eve")]
    targets += [("⏎ a bunch", 0), ("Undo", 1), ("End rep", 1), ("Out…", 1)]  # the controls
    for text, below in targets:
        width, height, cells = target_px(page, text, below)
        assert width >= 44 and height >= 44, (text, width, height, cells)
        assert cells["x"] >= 0 and cells["x"] + width <= 844, (text, cells)
    shot = screenshot(page, "serve-phone-coach.png")

    time.sleep(1.0)
    page.tap("Ben")  # Ben first over the line
    wait_count(page, "on track", 4)
    time.sleep(0.5)
    page.tap("⏎ a bunch")  # Dee and Cy together: Mark, Mark, then who they were
    page.tap("⏎ a bunch")
    page.wait_for("2 waiting")
    page.tap("Dee")
    page.tap("Cy")
    wait_count(page, "on track", 2)
    page.tap("Undo")  # not Cy: Eve. Her mark waits again
    page.wait_for("1 waiting")
    page.tap("Eve")
    wait_count(page, "on track", 2)  # Ana and Cy still out
    page.tap("End rep")
    page.wait_for("REST", timeout=10)
    shot_rest = screenshot(page, "serve-phone-coach-rest.png")

    with sqlite3.connect(s.data / "history.sqlite3") as db:
        sessions = db.execute(
            "SELECT id, athlete, squad, group_id FROM sessions ORDER BY athlete"
        ).fetchall()
        work = {
            athlete: db.execute(
                "SELECT split_s, ended_how FROM steps WHERE session_id = ? AND kind = 'work'",
                (sid,),
            ).fetchall()
            for sid, athlete, *_ in sessions
        }
    assert [(a, sq) for _, a, sq, _ in sessions] == [
        (n, "Track club") for n in ("Ana", "Ben", "Cy", "Dee", "Eve")
    ]
    assert len({g for *_, g in sessions}) == 1, "one group"
    ben, dee, eve = work["Ben"][0], work["Dee"][0], work["Eve"][0]
    assert [ben[1], dee[1], eve[1]] == ["lap"] * 3, work
    assert 0.5 < ben[0] < dee[0] <= eve[0] < 30, work  # in the order tapped, the bunch together
    assert eve[0] - dee[0] < 2.0, work
    assert work["Ana"][0][1] != "lap" and work["Cy"][0][1] != "lap", work  # did not finish
    assert work["Ana"][0][1] == work["Cy"][0][1]
    assert shot.stat().st_size > 10_000 and shot_rest.stat().st_size > 10_000
    code, stderr = s.stop()
    assert code == 0 and "Traceback" not in stderr, stderr
