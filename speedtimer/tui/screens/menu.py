"""Home screen: every preset, grouped by category, filtered as you type, details beside."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from speedtimer.core.paces import RACE_EXAMPLE, PaceError, Race, parse_race
from speedtimer.core.preset import CATEGORIES, BrokenPreset, Preset
from speedtimer.core.schedule import build_schedule, outline, totals_line
from speedtimer.core.targets import (
    CHOICE_EXAMPLE,
    StartChoice,
    has_symbolic_targets,
    parse_start_choice,
    session_preset,
)
from speedtimer.formats.catalog import Catalog, load_catalog
from speedtimer.tui.modals.confirm import ConfirmScreen
from speedtimer.tui.widgets.footer import QuietFooter


def matches(entry: Preset | BrokenPreset, words: list[str]) -> bool:
    if isinstance(entry, BrokenPreset):
        hay = f"{entry.display_name} {entry.source.name} broken"
    else:
        hay = f"{entry.name} {entry.category} {' '.join(entry.tags)} {entry.description}"
    hay = hay.casefold()
    return all(w in hay for w in words)


def race_line(race: Race | None) -> str:
    if race is None:
        return "Race: none set (ctrl+t)"
    return f"Race: {race.text} · VDOT {race.vdot:.1f} (ctrl+t)"


def preset_details(entry: Preset | BrokenPreset, race: Race | None = None) -> Content:
    if isinstance(entry, BrokenPreset):
        return Content.assemble(
            (f"{entry.display_name}\n", "bold"),
            ("This preset file is broken and cannot be run.\n\n", "bold $error"),
            (f"{entry.error}\n", "$error"),
        )
    written = entry
    entry = session_preset(entry, race)[0]
    sched = build_schedule(entry)
    parts: list = [(f"{entry.name}\n", "bold"), (f"{entry.category}", "italic")]
    if entry.tags:
        parts.append(f" · {', '.join(entry.tags)}")
    parts.append("\n\n")
    if entry.description:
        parts.append(f"{entry.description}\n\n")
    parts.append((outline(written) + "\n\n", "bold"))
    if has_symbolic_targets(written):
        if race is None:
            parts.append(
                ("Targets from your race: none set, so none shown (ctrl+t).\n", "$warning")
            )
        else:
            parts.append(f"Targets from your race {race.text} (VDOT {race.vdot:.1f}).\n")
    parts.append(totals_line(entry) + "\n")
    totals = sched.totals
    if totals.is_estimate:
        parts.append("~ lap-ended steps counted at their target pace.\n")
    if totals.left_out:
        parts.append("+ lap-ended steps without a pace: not counted.\n")
    source = "bundled (read-only)" if entry.bundled else str(entry.source)
    parts.append((f"\n{source}", "dim"))
    return Content.assemble(*parts)


class MenuScreen(Screen):
    BINDINGS = [
        Binding("enter", "start", "Start", id="start", show=True),
        Binding("down", "cursor(1)", "", id="menu_down", show=False),
        Binding("up", "cursor(-1)", "", id="menu_up", show=False),
        Binding("pagedown", "cursor(10)", "", show=False),
        Binding("pageup", "cursor(-10)", "", show=False),
        Binding("ctrl+r", "app.history", "History", id="history"),
        Binding("ctrl+t", "set_race", "Race", id="race", priority=True),
        Binding("ctrl+o", "start_with", "Start with…", id="start_with", priority=True),
        # priority: the filter box would take these keys for itself (end, delete, cut)
        Binding("ctrl+n", "new_preset", "New", id="preset_new", priority=True),
        Binding("ctrl+e", "edit_preset", "Edit", id="preset_edit", priority=True),
        Binding("ctrl+d", "duplicate_preset", "Duplicate", id="preset_duplicate", priority=True),
        Binding("ctrl+x", "delete_preset", "Delete", id="preset_delete", priority=True),
    ]

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog
        self.shown: list[Preset | BrokenPreset] = []
        self._preset_keys: tuple = ()
        self._times: dict[int, tuple[Preset, str]] = {}

    def _time(self, preset: Preset) -> str:
        """A preset's total time for its line, worked out once per catalog: every key typed
        in the filter rebuilds the list, and expanding hundreds of schedules again each time
        was most of that."""
        known = self._times.get(id(preset))
        if known is not None and known[0] is preset:
            return known[1]
        resolved = session_preset(preset, self.app.race)[0]
        text = build_schedule(resolved).totals.label
        self._times[id(preset)] = (preset, text)
        return text

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="menu"):
            with Vertical(id="menu-left"):
                yield Input(placeholder="Type to filter: 400, hills, tabata…", id="filter")
                yield Static(race_line(self.app.race), markup=False, id="race-line")
                yield OptionList(id="preset-list")
            with VerticalScroll(id="menu-right"):
                yield Static("", markup=False, id="details")
        yield QuietFooter()  # rebuilt only when its keys change; lets old keys go

    def on_mount(self) -> None:
        self.rebuild("")
        self.query_one("#filter", Input).focus()

    def rebuild(self, query: str) -> None:
        words = query.casefold().split()
        option_list = self.query_one("#preset-list", OptionList)
        option_list.clear_options()
        self.shown = []
        options: list[Option | None] = []
        groups: dict[str, list[Preset]] = {}
        for p in self.catalog.presets:
            if matches(p, words):
                groups.setdefault(p.category, []).append(p)
        for category in CATEGORIES:
            items = groups.get(category)
            if not items:
                continue
            options.append(Option(Content.styled(category.upper(), "bold $accent"), disabled=True))
            for p in items:
                minutes = self._time(p)
                options.append(Option(Content(f"  {p.name}  ({minutes})"), id=str(len(self.shown))))
                self.shown.append(p)
        broken = [b for b in self.catalog.broken if matches(b, words)]
        if broken:
            options.append(Option(Content.styled("BROKEN FILES", "bold $error"), disabled=True))
            for b in broken:
                options.append(
                    Option(
                        Content.styled(f"  ⚠ {b.display_name} (broken)", "$error"),
                        id=str(len(self.shown)),
                    )
                )
                self.shown.append(b)
        option_list.add_options(options)
        if self.shown:
            first = next(i for i, o in enumerate(options) if o is not None and not o.disabled)
            option_list.highlighted = first
        else:
            self.query_one("#details", Static).update("No preset matches the filter.")
        self._refresh_preset_keys()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.rebuild(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.action_start()

    @on(OptionList.OptionHighlighted)
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        entry = self.selected()
        if entry is not None:
            self.query_one("#details", Static).update(preset_details(entry, self.app.race))
        self._refresh_preset_keys()

    @on(OptionList.OptionSelected)
    def selected_option(self) -> None:
        self.action_start()

    def selected(self) -> Preset | BrokenPreset | None:
        option_list = self.query_one("#preset-list", OptionList)
        if option_list.highlighted is None:
            return None
        option = option_list.get_option_at_index(option_list.highlighted)
        if option.id is None:
            return None
        return self.shown[int(option.id)]

    def action_cursor(self, step: int) -> None:
        option_list = self.query_one("#preset-list", OptionList)
        for _ in range(abs(step)):
            if step > 0:
                option_list.action_cursor_down()
            else:
                option_list.action_cursor_up()

    def action_start(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        if isinstance(entry, BrokenPreset):
            self.notify(str(entry.error), title="Broken preset", severity="error", timeout=8)
            return
        self.app.start_session(entry)

    # --- the runner's race, and what to start with ------------------------------------------------

    def action_set_race(self) -> None:
        from speedtimer.tui.modals.text_prompt import TextPrompt

        def check(text: str) -> tuple[Race | None, str]:
            try:
                return parse_race(text), ""
            except PaceError as exc:
                return None, str(exc)

        def answered(race: Race | str | None) -> None:
            if race is None:
                return  # Escape: unchanged
            self.app.set_race(race or None)  # "": no race

        current = self.app.race
        self.app.push_screen(
            TextPrompt(
                "Your recent race: distance and time",
                check,
                value=current.text if current is not None else "",
                placeholder="5k 19:57",
                hint=f"e.g. {RACE_EXAMPLE}. Empty: no race. Saved in your settings.",
                allow_empty=True,
            ),
            answered,
        )

    def race_changed(self) -> None:
        self._times.clear()
        self.query_one("#race-line", Static).update(race_line(self.app.race))
        self.rebuild(self.query_one("#filter", Input).value)

    def action_start_with(self) -> None:
        from speedtimer.tui.modals.text_prompt import TextPrompt

        entry = self.selected()
        if not isinstance(entry, Preset):
            return

        def check(text: str) -> tuple[StartChoice | None, str]:
            try:
                return parse_start_choice(text), ""
            except PaceError as exc:
                return None, str(exc)

        def answered(choice: StartChoice | None) -> None:
            if choice is not None:
                self.app.start_session(entry, choice)

        self.app.push_screen(
            TextPrompt(
                f"Start {entry.name!r} with (this session only)",
                check,
                placeholder="5k 19:30, 3:40/km or 84s",
                hint=f"{CHOICE_EXAMPLE[0].upper()}{CHOICE_EXAMPLE[1:]}: a pace or rep time "
                "is the target of every work rep with a distance.",
            ),
            answered,
        )

    # --- preset files: new, edit, duplicate, delete ----------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "start_with":
            try:
                return isinstance(self.selected(), Preset)
            except NoMatches:
                return False
        if action not in ("edit_preset", "duplicate_preset", "delete_preset"):
            return True
        try:
            entry = self.selected()
        except NoMatches:  # not composed yet
            return False
        if action == "delete_preset":
            return entry is not None and self._own_file(entry)
        return isinstance(entry, Preset)

    def _refresh_preset_keys(self) -> None:
        """Footer keys follow the selection, but the footer is rebuilt only when they change
        (it is a dozen widgets, and the selection moves with every letter typed)."""
        state = tuple(
            self.check_action(a, ()) for a in ("edit_preset", "duplicate_preset", "delete_preset")
        )
        if state != self._preset_keys:
            self._preset_keys = state
            self.refresh_bindings()

    def _own_file(self, entry: Preset | BrokenPreset) -> bool:
        """Bundled presets are read-only; every other file (even a broken one) is the user's."""
        if isinstance(entry, Preset):
            return not entry.bundled and entry.source is not None
        bundled = self.app.paths.bundled_presets_dir.resolve()
        return entry.source.resolve().parent != bundled

    def action_new_preset(self) -> None:
        from speedtimer.tui.screens.editor import EditorScreen

        self.app.push_screen(EditorScreen.for_new(self.app.paths), self.editor_closed)

    def action_edit_preset(self) -> None:
        from speedtimer.tui.screens.editor import EditorScreen

        entry = self.selected()
        if isinstance(entry, Preset):
            self.app.push_screen(EditorScreen.for_edit(entry, self.app.paths), self.editor_closed)

    def action_duplicate_preset(self) -> None:
        from speedtimer.tui.screens.editor import EditorScreen

        entry = self.selected()
        if isinstance(entry, Preset):
            self.app.push_screen(EditorScreen.for_copy(entry, self.app.paths), self.editor_closed)

    def editor_closed(self, saved: Path | None) -> None:
        if saved is not None:
            self.reload(select=saved)

    def action_delete_preset(self) -> None:
        entry = self.selected()
        if entry is None or not self._own_file(entry):
            return
        path = entry.source
        assert path is not None
        name = entry.name if isinstance(entry, Preset) else entry.display_name

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                path.unlink()
            except OSError as exc:
                self.notify(
                    f"Cannot delete {path}: {exc.strerror or exc}", severity="error", timeout=10
                )
                return
            self.notify(f"Deleted {name!r} ({path})", title="Preset deleted")
            self.reload()

        self.app.push_screen(
            ConfirmScreen(
                f"Delete the preset {name!r}?\n{path}\nThe file is removed for good.",
                yes="Delete (y)",
                no="Keep (n)",
            ),
            answered,
        )

    def reload(self, select: Path | None = None) -> None:
        """Read every preset folder again; put the cursor on `select` (clearing the filter if
        it hides it)."""
        self.catalog = load_catalog(self.app.paths)
        self.app.catalog = self.catalog
        self._times.clear()
        query = self.query_one("#filter", Input)
        self.rebuild(query.value)
        if select is None or self.select_source(select):
            return
        with query.prevent(Input.Changed):
            query.value = ""
        self.rebuild("")
        self.select_source(select)

    def select_source(self, source: Path) -> bool:
        option_list = self.query_one("#preset-list", OptionList)
        for i in range(option_list.option_count):
            option = option_list.get_option_at_index(i)
            if option.id is None:
                continue
            entry = self.shown[int(option.id)]
            if entry.source is not None and entry.source.resolve() == source.resolve():
                option_list.highlighted = i
                return True
        return False
