"""Coach mode's squads in the app: pick a squad, add, rename and remove athletes, set their
race, key, group and note, make a new squad. Each change is checked by the same validator as
the files (`formats.squad.squad_from_dict`: reserved or duplicate keys, bad races, texts too
long, 30 at most) before the file is written (atomically); a refused change says why and
leaves the file as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from speedtimer.config.paths import Paths
from speedtimer.core.paces import PaceError, parse_race
from speedtimer.formats.squad import (
    Squad,
    SquadError,
    file_stem,
    load_squad,
    save_squad,
    squad_files,
    squad_from_dict,
    squads_dir,
)
from speedtimer.tui.widgets.footer import QuietFooter

Rows = list[dict[str, str]]


def squad_rows(squad: Squad) -> Rows:
    """The squad as the dicts its file holds (a default key stays implicit)."""
    return [
        {"name": a.name, "race": a.race, "group": a.group, "note": a.note}
        | ({"key": a.key} if a.key_given else {})
        for a in squad.athletes
    ]


class SquadsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "back", "Back", id="squads_back"),
        Binding("n", "new_squad", "New squad", id="squads_new"),
        Binding("a", "add", "Add", id="squads_add"),
        Binding("r", "rename", "Rename", id="squads_rename"),
        Binding("t", "race", "Race", id="squads_race"),
        Binding("k", "key", "Key", id="squads_key"),
        Binding("g", "group", "Group", id="squads_group"),
        Binding("o", "note", "Note", id="squads_note"),
        Binding("d,delete", "remove", "Remove", id="squads_remove"),
    ]

    DEFAULT_CSS = """
    SquadsScreen #squads-title { text-style: bold; padding: 0 1; height: auto; }
    SquadsScreen #squad-choice { height: auto; max-height: 8; }
    SquadsScreen #athlete-table { height: 1fr; }
    """

    def __init__(self, paths: Paths) -> None:
        super().__init__()
        self.paths = paths
        self.squads: list[Squad] = []
        self.current: Squad | None = None

    def compose(self) -> ComposeResult:
        yield Static("Squads (coach mode)", markup=False, id="squads-title")
        yield OptionList(id="squad-choice")
        yield DataTable(id="athlete-table", cursor_type="row", zebra_stripes=True)
        yield QuietFooter()

    def on_mount(self) -> None:
        table = self.query_one("#athlete-table", DataTable)
        table.add_columns("key", "athlete", "race", "VDOT", "group", "note")
        self.reload()

    def reload(self, select: str | None = None) -> None:
        self.squads, problems = [], []
        for path in squad_files(self.paths.config_dir):
            try:
                self.squads.append(load_squad(path))
            except SquadError as exc:
                problems.append(str(exc))
        for problem in problems:
            self.notify(problem, title="Squad file", severity="warning", timeout=8)
        choice = self.query_one("#squad-choice", OptionList)
        choice.clear_options()
        choice.add_options(
            [
                Option(Text(f"{s.name}  ({len(s.athletes)})"), id=str(i))
                for i, s in enumerate(self.squads)
            ]
        )
        names = [s.name for s in self.squads]
        index = names.index(select) if select in names else 0 if self.squads else None
        if index is not None:
            choice.highlighted = index
            self.show(self.squads[index])
        else:
            self.current = None
            self.query_one("#athlete-table", DataTable).clear()
            self.query_one("#squads-title", Static).update(
                "Squads (coach mode): none yet. n makes one."
            )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index < len(self.squads):
            self.show(self.squads[event.option_index])

    def show(self, squad: Squad) -> None:
        same = self.current is not None and self.current.source == squad.source
        self.current = squad
        table = self.query_one("#athlete-table", DataTable)
        row = table.cursor_row if same else 0  # after a change: stay on the athlete
        table.clear()
        for a in squad.athletes:
            vdot = ""
            if a.race:
                try:
                    vdot = f"{parse_race(a.race).vdot:.1f}"
                except PaceError:
                    vdot = "?"
            # as Text: names and notes are the user's, never markup
            table.add_row(*(Text(v) for v in (a.key, a.name, a.race, vdot, a.group, a.note)))
        if table.row_count:
            table.move_cursor(row=min(max(row, 0), table.row_count - 1))
        where = squad.source or ""
        self.query_one("#squads-title", Static).update(
            f"Squads (coach mode) · {squad.name}: {len(squad.athletes)} athletes · {where}"
        )

    # --- changes -----------------------------------------------------------------------------

    def _selected(self) -> dict | None:
        if self.current is None or not self.current.athletes:
            return None
        row = self.query_one("#athlete-table", DataTable).cursor_row
        return squad_rows(self.current)[min(max(row, 0), len(self.current.athletes) - 1)]

    def _change(self, edit: Callable[[Rows], None]) -> bool:
        """Apply `edit` to the squad's rows, check the result like a file, then save it."""
        squad = self.current
        if squad is None or squad.source is None:
            return False
        rows = squad_rows(squad)
        try:
            edit(rows)
            clean = [{k: v for k, v in r.items() if v != ""} for r in rows]
            changed = squad_from_dict({"name": squad.name, "athletes": clean}, squad.source)
            save_squad(replace(changed, source=squad.source), squad.source)
        except (SquadError, ValueError) as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return False
        except OSError as exc:
            self.notify(f"cannot save {squad.source}: {exc}", severity="error", timeout=10)
            return False
        self.reload(select=squad.name)
        return True

    def _ask(self, question: str, then: Callable[[str], None], value: str = "", hint: str = ""):
        from speedtimer.tui.modals.text_prompt import TextPrompt

        def answered(text: str | None) -> None:
            if text is not None:
                then(text)

        self.app.push_screen(
            TextPrompt(question, lambda t: (t, ""), value=value, hint=hint, allow_empty=True),
            answered,
        )

    def action_add(self) -> None:
        if self.current is None:
            return
        self._ask("New athlete's name", lambda name: name and self._change(
            lambda rows: rows.append({"name": name})))  # fmt: skip

    def action_rename(self) -> None:
        row = self._selected()
        if row is None:
            return

        def rename(new: str) -> None:
            if new:
                self._change(lambda rows: _find(rows, row["name"]).update(name=new))

        self._ask(f"Rename {row['name']} to", rename, value=row["name"])

    def action_race(self) -> None:
        row = self._selected()
        if row is None:
            return
        self._ask(
            f"{row['name']}'s recent race (empty: none)",
            lambda race: self._change(lambda rows: _find(rows, row["name"]).update(race=race)),
            value=row.get("race", ""),
            hint="e.g. 5k 19:57, 10k 41:21, half 1:31:35",
        )

    def action_key(self) -> None:
        row = self._selected()
        if row is None:
            return
        self._ask(
            f"{row['name']}'s key (empty: the next free one)",
            lambda key: self._change(lambda rows: _find(rows, row["name"]).update(key=key)),
            value=row.get("key", ""),
            hint="a digit or a letter the group screen does not use",
        )

    def action_group(self) -> None:
        row = self._selected()
        if row is None:
            return
        self._ask(
            f"{row['name']}'s group (empty: none)",
            lambda group: self._change(lambda rows: _find(rows, row["name"]).update(group=group)),
            value=row.get("group", ""),
            hint='e.g. "A" or "800 m": a training group within the squad',
        )

    def action_note(self) -> None:
        row = self._selected()
        if row is None:
            return
        self._ask(
            f"Note on {row['name']} (empty: none)",
            lambda note: self._change(lambda rows: _find(rows, row["name"]).update(note=note)),
            value=row.get("note", ""),
            hint="e.g. back from injury: easy on the last reps",
        )

    def action_remove(self) -> None:
        row = self._selected()
        if row is None:
            return
        from speedtimer.tui.modals.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._change(lambda rows: rows.remove(_find(rows, row["name"])))

        self.app.push_screen(ConfirmScreen(f"Remove {row['name']} from the squad?"), answered)

    def action_new_squad(self) -> None:
        def make(name: str) -> None:
            if not name:
                return
            target = squads_dir(self.paths.config_dir) / f"{file_stem(name)}.toml"
            if target.exists():
                self.notify(f"{target} exists: choose another name", severity="error")
                return
            try:
                save_squad(squad_from_dict({"name": name, "athletes": []}, target), target)
            except (SquadError, OSError) as exc:
                self.notify(str(exc), title="Not saved", severity="error", timeout=10)
                return
            self.reload(select=name)

        self._ask("New squad's name", make)

    def action_back(self) -> None:
        self.app.pop_screen()


def _find(rows: Rows, name: str) -> dict:
    for r in rows:
        if r["name"] == name:
            return r
    raise ValueError(f"no athlete {name!r}")
