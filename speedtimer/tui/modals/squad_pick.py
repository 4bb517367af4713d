"""Coach mode's start: which squad, and who is here today (everyone ticked to begin with).

Opened from the menu (a key and the palette) on the highlighted preset. With several squads the
coach first picks one (enter); then the athletes are listed ticked, space unticks whoever is
missing, enter starts the group run with those ticked. Escape goes back a stage, then closes.
Without a keyboard (a phone, served): a tap on a squad picks it, a tap on an athlete ticks or
unticks them, and the footer's Start and Back are taps too.
Squad files that cannot be read are named with their problem, never hidden.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from speedtimer.formats.squad import Squad
from speedtimer.tui.widgets.footer import QuietFooter


class SquadPicker(ModalScreen[Squad | None]):
    """Returns the squad with today's athletes only, or None (escape)."""

    BINDINGS = [
        Binding("enter", "go", "Start", id="squad_go", priority=True),
        Binding("escape", "back", "Back", id="squad_back"),
    ]

    DEFAULT_CSS = """
    SquadPicker { align: center middle; }
    SquadPicker #squad-box {
        width: 60; max-width: 95%; height: auto; max-height: 90%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    SquadPicker #squad-title { text-style: bold; height: auto; }
    SquadPicker OptionList, SquadPicker SelectionList { height: auto; max-height: 20; }
    SquadPicker #squad-hint { color: $text-muted; height: auto; }
    """

    def __init__(self, preset_name: str, squads: list[Squad], problems: list[str]) -> None:
        super().__init__()
        self.preset_name = preset_name
        self.squads = squads
        self.problems = problems
        self.squad: Squad | None = squads[0] if len(squads) == 1 else None

    def compose(self) -> ComposeResult:
        with Vertical(id="squad-box"):
            yield Static("", markup=False, id="squad-title")
            yield OptionList(
                *[
                    Option(Text(f"{s.name}  ({len(s.athletes)} athletes)"), id=str(i))
                    for i, s in enumerate(self.squads)
                ],
                id="squads",
            )
            yield SelectionList[int](id="athletes")
            yield Static("", markup=False, id="squad-hint")
        yield QuietFooter()

    def on_mount(self) -> None:
        if self.squad is not None:
            self._show_athletes(self.squad)
        else:
            self._show_squads()

    def _show_squads(self) -> None:
        self.squad = None
        self.query_one("#athletes").display = False
        squads = self.query_one("#squads", OptionList)
        squads.display = True
        if squads.highlighted is None:
            squads.highlighted = 0
        squads.focus()
        self.query_one("#squad-title", Static).update(f"Run {self.preset_name!r} with a squad")
        self._hint("enter: this squad · escape: cancel")

    def _hint(self, keys: str) -> None:
        if self.problems:
            keys += "\nNot listed: " + "; ".join(self.problems)
        self.query_one("#squad-hint", Static).update(keys)

    def _show_athletes(self, squad: Squad) -> None:
        self.squad = squad
        self.query_one("#squads").display = False
        athletes = self.query_one("#athletes", SelectionList)
        athletes.clear_options()
        athletes.add_options(
            [(Text(f"{a.key}  {a.name}"), i, True) for i, a in enumerate(squad.athletes)]
        )
        athletes.display = True
        athletes.highlighted = 0
        athletes.focus()
        self.query_one("#squad-title", Static).update(
            f"{squad.name}: who is here today? ({self.preset_name})"
        )
        back = "back" if len(self.squads) > 1 else "cancel"
        self._hint(f"space: tick or untick · enter: start · escape: {back}")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click (a tap) on a squad picks it, as enter does."""
        event.stop()
        self.action_go()

    def action_go(self) -> None:
        if self.squad is None:
            squads = self.query_one("#squads", OptionList)
            if squads.highlighted is None:
                return
            squad = self.squads[squads.highlighted]
            if not squad.athletes:
                self.notify(
                    f"{squad.name!r} has no athletes: add some with speedtimer squads edit",
                    severity="warning",
                )
                return
            self._show_athletes(squad)
            return
        ticked = sorted(self.query_one("#athletes", SelectionList).selected)
        if not ticked:
            self.notify("Nobody is ticked: tick who is here with space", severity="warning")
            return
        self.dismiss(replace(self.squad, athletes=tuple(self.squad.athletes[i] for i in ticked)))

    def action_back(self) -> None:
        if self.squad is not None and len(self.squads) > 1:
            self._show_squads()
        else:
            self.dismiss(None)
