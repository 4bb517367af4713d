"""Home screen: every preset, grouped by category, filtered as you type, details beside.

The menu is drawn at once and fills as the preset files are read (a loading line says how
far): files the cached index already knows cost a stat each, and the others are read on a
worker thread, so a folder of hundreds of large presets never freezes the app. The list
follows the folders: files changed, added or removed outside the app show up when the menu
comes back to the front, when the terminal regains focus, and within POLL_S otherwise. A preset
is read in full from its file when it is started, edited or copied, so what runs is always
what is on disk.
"""

from __future__ import annotations

import functools
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from speedtimer.core.paces import RACE_EXAMPLE, PaceError, Race, parse_race
from speedtimer.core.preset import CATEGORIES, BrokenPreset, Preset, PresetError
from speedtimer.core.text import printable
from speedtimer.core.totals import totals_text
from speedtimer.formats.catalog import Catalog, load_catalog, preset_folders
from speedtimer.formats.preset_index import Summary, preset_files, stamp_of

if TYPE_CHECKING:
    from speedtimer.core.targets import StartChoice
from speedtimer.tui.widgets.footer import QuietFooter

INDEX_PASS_S = 0.05  # before the first frame: enough for the index, not for reading files
FIRST_PASS_S = 0.5  # read files before the list first shows for at most this long
POLL_S = 2.0  # how often the menu, while in front, looks for files changed outside the app
NARROW_WIDTH = 56  # below this the details beside the list are left out
STACKED_WIDTH = 72  # below this (and from NARROW_WIDTH) the details go under the list
WORD_EDGES = ".,;:!?()[]{}\"'"


def search_words(entry: Summary) -> frozenset[str]:
    """What a filter word can match the start of: each tag whole, and each word of the name,
    category and description (split at spaces, and again at punctuation).

    A tag is never cut into parts, so `track` does not find presets tagged `no-track`, and a
    word matches from its start only, so `ill` does not find "hills"."""
    if entry.broken:
        return _words(f"{entry.display_name} {entry.source.name}", ("broken",))
    return _words(f"{entry.name} {entry.category} {entry.description}", entry.tags)


@functools.lru_cache(maxsize=4096)  # a key press filters every entry again: words once each
def _words(text: str, tags: tuple[str, ...]) -> frozenset[str]:
    text = text.casefold()
    pieces = {p.strip(WORD_EDGES) for p in text.split()}
    return frozenset(
        {t.casefold() for t in tags} | {p for p in pieces if p} | set(re.findall(r"\w+", text))
    )


def matches(entry: Summary, words: list[str]) -> bool:
    """Every filter word begins a tag or a word of the preset (`search_words`); punctuation
    around a word ("(2", "30/30)" from a name typed in full) is left out, as it is there."""
    hay = search_words(entry)
    wanted = [w for w in (w.strip(WORD_EDGES) for w in words) if w]
    return all(any(h.startswith(w) for h in hay) for w in wanted)


def race_line(race: Race | None) -> str:
    if race is None:
        return "Race: none set (ctrl+t)"
    return f"Race: {race.text} · VDOT {race.vdot:.1f} (ctrl+t)"


def preset_details(entry: Summary, race: Race | None = None) -> Content:
    """`entry` as listed, its totals for `race` when targets come from it (Catalog.for_race)."""
    if entry.broken:
        return Content.assemble(
            (f"{entry.display_name}\n", "bold"),
            ("This preset file is broken and cannot be run.\n\n", "bold $error"),
            (f"{entry.as_broken().error}\n", "$error"),
        )
    parts: list = [(f"{entry.name}\n", "bold"), (f"{entry.category}", "italic")]
    if entry.tags:
        parts.append(f" · {', '.join(entry.tags)}")
    parts.append("\n\n")
    if entry.description:
        parts.append(f"{entry.description}\n\n")
    parts.append((entry.outline + "\n\n", "bold"))
    if entry.race_derived:
        if race is None:
            parts.append(
                ("Targets from your race: none set, so none shown (ctrl+t).\n", "$warning")
            )
        else:
            parts.append(f"Targets from your race {race.text} (VDOT {race.vdot:.1f}).\n")
    parts.append(totals_text(entry.total_label, entry.work_reps, entry.work_s) + "\n")
    if entry.is_estimate:
        parts.append("~ lap-ended steps counted at their target pace.\n")
    if entry.left_out:
        parts.append("+ lap-ended steps without a pace: not counted.\n")
    source = "bundled (read-only)" if entry.bundled else printable(str(entry.source))
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
        Binding("ctrl+g", "group_start", "Squad…", id="group_start", priority=True, show=False),
        Binding("ctrl+k", "squads", "Squads", id="squads", priority=True, show=False),
        # priority: the filter box would take these keys for itself (end, delete, cut)
        Binding("ctrl+n", "new_preset", "New", id="preset_new", priority=True),
        Binding("ctrl+e", "edit_preset", "Edit", id="preset_edit", priority=True),
        Binding("ctrl+d", "duplicate_preset", "Duplicate", id="preset_duplicate", priority=True),
        Binding("ctrl+x", "delete_preset", "Delete", id="preset_delete", priority=True),
    ]

    def __init__(self, catalog: Catalog, *, load: bool = False) -> None:
        """`load`: read the preset folders now, the first part before the list shows and the
        rest on a worker thread; otherwise show `catalog` as it is."""
        super().__init__()
        self.catalog = catalog
        self.shown: list[Summary] = []
        self._preset_keys: tuple = ()
        self._load_on_mount = load
        self.reading_files = load  # True until the folders are read: no other read starts
        self._select_when_listed: Path | None = None  # after a save: the file to select
        # entries whose targets come from the runner's race, with totals for it: worked out
        # once per file version and race (every key typed in the filter rebuilds the list)
        self._for_race: dict[tuple, Summary] = {}
        self._listed = False  # presets shown once: the app starts what waited for that

    def _resolved(self, entry: Summary) -> Summary:
        """`entry` with its totals for the runner's race (as listed if none comes from it)."""
        race = self.app.race
        if race is None or not entry.race_derived:
            return entry
        key = (entry.path, entry.stamp, race.text)
        known = self._for_race.get(key)
        if known is None:
            known = self._for_race[key] = self.catalog.for_race(entry, race)
        return known

    def _time(self, preset: Summary) -> str:
        return self._resolved(preset).total_label

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="menu"):
            with Vertical(id="menu-left"):
                yield Input(placeholder="Type to filter: 400, hills, tabata…", id="filter")
                yield Static(race_line(self.app.race), markup=False, id="race-line")
                yield Static("", markup=False, id="menu-loading")
                yield OptionList(id="preset-list")
            with VerticalScroll(id="menu-right"):
                yield Static("", markup=False, id="details")
        # rebuilt only when its keys change; lets old keys go; drawn the frame after the list
        yield QuietFooter(with_first_frame=False)

    def on_mount(self) -> None:
        self.query_one("#menu-loading").display = False
        self._apply_size()
        self.rebuild("")
        # Now, not with the next message: as the app's first screen, keys typed at once at
        # start-up (a paste, a script, tmux) come right after this and must reach the filter.
        self.set_focus(self.query_one("#filter", Input))
        if self._load_on_mount:
            self.reading_files = True
            if not self._read_from_index():
                self._show_loading(0, 0)
                self.call_after_refresh(self._first_pass)
        self.set_interval(POLL_S, self.check_files)

    # --- reading the folders -------------------------------------------------------------------

    def _settings(self):
        return getattr(self.app, "settings", None)

    def _read_from_index(self) -> bool:
        """The usual start: the index knows every file, so the first frame already lists the
        presets (a few milliseconds). True if it did; otherwise the folders are read after the
        first frame, with a loading line (what was read here is read again: at most
        INDEX_PASS_S and one file)."""
        deadline = time.monotonic() + INDEX_PASS_S
        catalog = load_catalog(
            self.app.paths, self._settings(), cancelled=lambda: time.monotonic() > deadline
        )
        if not catalog.complete:
            return False
        self.show_catalog(catalog)
        return True

    def _first_pass(self) -> None:
        """What can be read in FIRST_PASS_S (all of it, when the index knows the files), here,
        then the rest on a worker thread."""
        deadline = time.monotonic() + FIRST_PASS_S
        catalog = load_catalog(
            self.app.paths, self._settings(), cancelled=lambda: time.monotonic() > deadline
        )
        self.show_catalog(catalog)
        if not catalog.complete:
            self._read_folders()

    @work(thread=True, exclusive=True, exit_on_error=False, group="menu-presets")
    def _read_folders(self) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()

        def show(catalog: Catalog) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_progress, catalog)

        catalog = load_catalog(
            self.app.paths, self._settings(), cancelled=lambda: worker.is_cancelled,
            on_progress=show,
        )  # fmt: skip
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show_catalog, catalog)

    def _show_progress(self, catalog: Catalog) -> None:
        """A partial catalog from the worker, unless it lists fewer presets than the list
        already does: the worker reads again what the first pass read before the frame, and
        the list must not shrink and grow back while it does."""
        if len(catalog.entries) >= len(self.catalog.entries):
            self.show_catalog(catalog)

    def show_catalog(self, catalog: Catalog) -> None:
        """Show a (possibly partial) catalog, keeping the filter and the selected preset."""
        if not self.is_attached:
            return
        keep = self.selected_entry()
        self.catalog = catalog
        self.app.catalog = catalog
        self.reading_files = not catalog.complete
        query = self.query_one("#filter", Input)
        self.rebuild(query.value)
        want = self._select_when_listed
        if want is not None and any(e.path.resolve() == want.resolve() for e in catalog.entries):
            self._select_when_listed = None
            if not self.select_source(want):
                with query.prevent(Input.Changed):
                    query.value = ""
                self.rebuild("")
                self.select_source(want)
        elif keep is not None:
            self.select_source(keep.source)
        if self.reading_files:
            self._show_loading(len(catalog.entries), 0)
        else:
            self.query_one("#menu-loading").display = False
        if catalog.entries and not self._listed:
            self._listed = True
            listed = getattr(self.app, "presets_listed", None)
            if listed is not None:
                listed()

    def _show_loading(self, done: int, total: int) -> None:
        line = self.query_one("#menu-loading", Static)
        line.display = True
        line.update(f"Loading presets… {done} read so far" if done else "Loading presets…")

    def check_files(self) -> None:
        """Read the folders again if a preset file changed, appeared or vanished (a stat per
        file; only the changed files are read)."""
        # Only while in front: a screen just below the top counts as "current" to Textual
        # even when the one above hides it all (a session), and a stat of every preset file
        # every POLL_S was a share of what a running session cost.
        if self.reading_files or not self.is_attached or self.app.screen is not self:
            return
        now = {p: stamp_of(p) for p, _ in preset_files(preset_folders(self.app.paths))}
        known = {e.path: e.stamp for e in self.catalog.entries}
        if now != known:
            self.reading_files = True
            self._read_folders()

    def on_screen_resume(self) -> None:
        self.check_files()  # back from a session, the editor, the history

    def on_resize(self) -> None:
        self._apply_size()

    def _apply_size(self) -> None:
        """Narrow: the list alone, full width (the details had 8 columns at 40 wide);
        middling: the details under the list, so neither wraps every line."""
        width = self.app.size.width
        self.set_class(width < NARROW_WIDTH, "narrow")
        self.set_class(NARROW_WIDTH <= width < STACKED_WIDTH, "stacked")

    def rebuild(self, query: str) -> None:
        words = query.casefold().split()
        option_list = self.query_one("#preset-list", OptionList)
        option_list.clear_options()
        self.shown = []
        options: list[Option | None] = []
        groups: dict[str, list[Summary]] = {}
        for p in self.catalog.good:
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
        broken = [b for b in self.catalog.entries if b.broken and matches(b, words)]
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
        if not self.shown:  # said in the list too: a narrow menu has no details pane
            options.append(Option("No preset matches the filter.", disabled=True))
        option_list.add_options(options)
        if self.shown:
            first = next(i for i, o in enumerate(options) if o is not None and not o.disabled)
            option_list.highlighted = first
        else:
            self.query_one("#details", Static).update(
                "Loading presets…" if self.reading_files else "No preset matches the filter."
            )
        self._refresh_preset_keys()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.rebuild(event.value)

    @on(Input.Submitted, "#filter")
    def filter_submitted(self) -> None:
        self.action_start()

    @on(OptionList.OptionHighlighted)
    def highlighted(self, event: OptionList.OptionHighlighted) -> None:
        entry = self.selected_entry()
        if entry is not None:
            details = preset_details(self._resolved(entry), self.app.race)
            self.query_one("#details", Static).update(details)
        self._refresh_preset_keys()

    @on(OptionList.OptionSelected)
    def selected_option(self) -> None:
        self.action_start()

    def selected_entry(self) -> Summary | None:
        """The highlighted line, as listed (nothing read)."""
        option_list = self.query_one("#preset-list", OptionList)
        if option_list.highlighted is None:
            return None
        option = option_list.get_option_at_index(option_list.highlighted)
        if option.id is None:
            return None
        return self.shown[int(option.id)]

    def selected(self) -> Preset | BrokenPreset | None:
        """The highlighted preset, read now from its file (broken: what is wrong with it)."""
        entry = self.selected_entry()
        if entry is None:
            return None
        if entry.broken:
            return entry.as_broken()
        try:
            return self.catalog.load(entry)
        except PresetError as exc:
            return BrokenPreset(source=entry.source, error=exc, name=entry.name)

    def _fresh(self) -> Preset | None:
        """The highlighted preset as its file is now, for a run or the editor; a file that is
        broken or gone since it was listed says so, and the list is read again."""
        entry = self.selected()
        if isinstance(entry, BrokenPreset):
            self.notify(str(entry.error), title="Broken preset", severity="error", timeout=8)
        listed = self.selected_entry()
        if listed is not None and stamp_of(listed.source) != listed.stamp:
            self.check_files()  # changed since it was listed: show what is there now
        return entry if isinstance(entry, Preset) else None

    def action_cursor(self, step: int) -> None:
        option_list = self.query_one("#preset-list", OptionList)
        for _ in range(abs(step)):
            if step > 0:
                option_list.action_cursor_down()
            else:
                option_list.action_cursor_up()

    def action_start(self) -> None:
        preset = self._fresh()
        if preset is not None:
            self.app.start_session(preset)

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
        self._for_race.clear()
        self.query_one("#race-line", Static).update(race_line(self.app.race))
        keep = self.selected_entry()
        self.rebuild(self.query_one("#filter", Input).value)
        if keep is not None:
            self.select_source(keep.source)

    def action_squads(self) -> None:
        """Coach mode's squads: add, rename, remove athletes, set their race and key."""
        from speedtimer.tui.screens.squads import SquadsScreen

        self.app.push_screen(SquadsScreen(self.app.paths))

    def action_group_start(self) -> None:
        """Coach mode: the highlighted preset with a squad, asking who is here today."""
        from speedtimer.formats.squad import SquadError, load_squad, squad_files
        from speedtimer.tui.modals.squad_pick import SquadPicker

        entry = self._fresh()
        if entry is None:
            return
        squads, problems = [], []
        for path in squad_files(self.app.paths.config_dir):
            try:
                squads.append(load_squad(path))
            except SquadError as exc:
                problems.append(str(exc))
        if not squads:
            message = 'No squads yet: make one with speedtimer squads new NAME --athletes "Ana,Ben"'
            if problems:
                message += "\n" + "\n".join(problems)
            self.notify(message, title="Coach mode", severity="warning", timeout=10)
            return

        def answered(squad) -> None:
            if squad is not None:
                self.app.start_group_session(entry, squad)

        self.app.push_screen(SquadPicker(entry.name, squads, problems), answered)

    def action_start_with(self) -> None:
        from speedtimer.core.targets import CHOICE_EXAMPLE, parse_start_choice
        from speedtimer.tui.modals.text_prompt import TextPrompt

        entry = self._fresh()
        if entry is None:
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
                entry = self.selected_entry()
            except NoMatches:  # not composed yet
                return False
            return entry is not None and not entry.broken
        if action not in ("edit_preset", "duplicate_preset", "delete_preset"):
            return True
        try:
            entry = self.selected_entry()
        except NoMatches:  # not composed yet
            return False
        if action == "delete_preset":
            return entry is not None and self._own_file(entry)
        if action == "edit_preset":  # a broken file too: opened at its problem, or told why not
            return entry is not None
        return entry is not None and not entry.broken

    def _refresh_preset_keys(self) -> None:
        """Footer keys follow the selection, but the footer is rebuilt only when they change
        (it is a dozen widgets, and the selection moves with every letter typed)."""
        state = tuple(
            self.check_action(a, ())
            for a in ("edit_preset", "duplicate_preset", "delete_preset", "start_with")
        )
        if state != self._preset_keys:
            self._preset_keys = state
            self.refresh_bindings()

    def _own_file(self, entry: Summary) -> bool:
        """Bundled presets are read-only; every other file (even a broken one) is the user's."""
        if not entry.broken:
            return not entry.bundled
        bundled = self.app.paths.bundled_presets_dir.resolve()
        return entry.source.resolve().parent != bundled

    def action_new_preset(self) -> None:
        from speedtimer.tui.screens.editor import EditorScreen

        self.app.push_screen(EditorScreen.for_new(self.app.paths), self.editor_closed)

    def action_edit_preset(self) -> None:
        from speedtimer.tui.screens.editor import EditorScreen

        picked, listed = self.selected(), self.selected_entry()
        if isinstance(picked, BrokenPreset) and listed is not None:
            self._edit_broken(picked, own=self._own_file(listed))
            return
        entry = self._fresh()
        if entry is not None:
            self.app.push_screen(EditorScreen.for_edit(entry, self.app.paths), self.editor_closed)

    def _edit_broken(self, entry: BrokenPreset, *, own: bool) -> None:
        """The broken file in the editor at its problem, or a notice saying why it cannot be."""
        from speedtimer.tui.broken_preset import broken_note, draft_from_broken, read_broken
        from speedtimer.tui.screens.editor import EditorScreen

        path = entry.source
        name = entry.display_name
        data, why, raw = read_broken(path) if own else (None, "it is read-only", b"")
        if data is None:
            self.notify(
                f"Cannot open {name!r} in the editor: {why}. Fix it in a text editor: {path}",
                title="Broken preset",
                severity="error",
                timeout=12,
            )
            return
        from hashlib import sha256  # not needed for the first frame (its OpenSSL costs 4 ms)

        draft, lost = draft_from_broken(data)
        screen = EditorScreen(
            draft,
            folder=path.parent,
            path=path,
            what=f"fixing {path.name}",
            note=broken_note(path, entry.error.message, lost),
            digest=sha256(raw).hexdigest(),  # a change by another program is asked about
        )
        screen.open_at_problem = True
        screen.note_title = "Broken preset"
        self.app.push_screen(screen, self.editor_closed)

    def action_duplicate_preset(self) -> None:
        from speedtimer.tui.screens.editor import EditorScreen

        entry = self._fresh()
        if entry is not None:
            self.app.push_screen(EditorScreen.for_copy(entry, self.app.paths), self.editor_closed)

    def editor_closed(self, saved: Path | None) -> None:
        if saved is not None:
            self.reload(select=saved)

    def action_delete_preset(self) -> None:
        entry = self.selected_entry()
        if entry is None or not self._own_file(entry):
            return
        path = entry.source
        name = entry.display_name

        from speedtimer.tui.modals.confirm import ConfirmScreen

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
        """Read the preset folders again (the changed files: at once for as long as the first
        pass, then on the worker); put the cursor on `select` once it is listed (clearing the
        filter if it hides it)."""
        self.workers.cancel_group(self, "menu-presets")  # this read replaces theirs
        self._select_when_listed = select
        self._first_pass()

    def select_source(self, source: Path) -> bool:
        option_list = self.query_one("#preset-list", OptionList)
        for i in range(option_list.option_count):
            option = option_list.get_option_at_index(i)
            if option.id is None:
                continue
            entry = self.shown[int(option.id)]
            if entry.source.resolve() == source.resolve():
                option_list.highlighted = i
                return True
        return False
