"""The preset editor: the step tree on the left, the fields of its current node on the right,
the outline and the loader's verdict at the bottom.

Every change is checked at once by the loader's own validator, so what the editor saves is
what the menu loads, and a problem is shown beside the field it is about (the tree marks the
node, ctrl+g goes there). Nothing is written until ctrl+s, and nothing typed is dropped
without asking: leaving with changes asks to save, discard or keep editing.

Where a save goes:
- a new preset, or a copy (duplicating any preset, editing a bundled one: bundled presets are
  read-only), gets a new file in the user presets folder, named from the preset's name; when
  that name is taken by another file, the runner chooses: replace it, save beside it under a
  free name, or go back;
- an edited preset of one's own replaces its own file, whatever its new name: the file name
  stays, so renaming never leaves a second copy behind or touches another preset's file.

The editor opens a preset of one's own from its file as it is at that moment and keeps the
SHA-256 of the bytes it read. Saving first reads the file again: if another program (or
another speedtimer) changed, replaced or removed it meanwhile, the runner chooses: reload the
file (dropping the edits), overwrite it, save as a new file beside it, or go back. Nothing on
disk is ever replaced by a stale copy without that question.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static, Tree

from speedtimer.config.paths import Paths
from speedtimer.core.preset import MAX_FILE_BYTES, Preset, PresetError
from speedtimer.core.schedule import outline, totals_line
from speedtimer.core.targets import session_preset
from speedtimer.files import FileRefused, read_regular_file
from speedtimer.formats.preset_save import SaveError, free_path, save_preset
from speedtimer.formats.preset_toml import load_preset, parse_preset
from speedtimer.tui import textual_patches
from speedtimer.tui.editor_draft import (
    DraftBlock,
    DraftError,
    DraftPreset,
    DraftStep,
    Node,
    add_step,
    ancestors,
    draft_from_preset,
    duplicate,
    locate,
    move,
    remove,
    starter_draft,
    unwrap,
    walk_nodes,
    wrap,
)
from speedtimer.tui.modals.choice import Choice, ChoiceScreen
from speedtimer.tui.textual_patches.watchers import forget_closed_watchers
from speedtimer.tui.widgets.footer import QuietFooter
from speedtimer.tui.widgets.step_form import NodeForm, field_widget_id
from speedtimer.tui.widgets.step_tree import StepTree, node_title

TREE_ACTIONS = ("remove_node", "move", "mark", "duplicate_node")
NARROW_WIDTH = 70  # below this the tree and the fields take turns (tree 26 + fields 40 + edge)
SHORT_HEIGHT = 16  # below this the outline line is left out


class EditorScreen(Screen[Path | None]):
    """Dismissed with the saved file, or None when left without saving."""

    CSS_PATH = Path(__file__).with_name("editor.tcss")  # read when one first opens, not at start

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor_save", priority=True),
        Binding("escape", "back", "Back", id="editor_back"),
        Binding("ctrl+g", "go_to_problem", "Problem", id="editor_problem"),
    ]

    def __init__(
        self,
        draft: DraftPreset,
        *,
        folder: Path,
        path: Path | None,
        what: str,
        note: str = "",
        digest: str | None = None,
    ) -> None:
        """`digest`: the SHA-256 of the bytes of `path` the draft was made from."""
        super().__init__()
        self.draft = draft
        self.folder = Path(folder)
        self.path = path
        self.what = what
        self.note = note
        self.digest = digest
        self.baseline = draft.to_dict()
        self.preset, self.problem = draft.validate()
        self.last_good: Preset | None = self.preset
        self.title = "Preset editor"
        self.open_at_problem = False  # a broken file: the cursor starts at its problem
        self.note_title = "Read-only preset"

    # --- the ways in -------------------------------------------------------------------------

    @classmethod
    def for_new(cls, paths: Paths) -> EditorScreen:
        return cls(starter_draft(), folder=paths.user_presets_dir, path=None, what="new preset")

    @classmethod
    def for_copy(cls, preset: Preset, paths: Paths) -> EditorScreen:
        draft = draft_from_preset(preset)
        draft.name = f"{preset.name} (copy)"
        return cls(draft, folder=paths.user_presets_dir, path=None, what="copy, a new file")

    @classmethod
    def for_edit(cls, preset: Preset, paths: Paths) -> EditorScreen:
        if preset.bundled or preset.source is None:
            screen = cls.for_copy(preset, paths)
            screen.what = "your copy of a bundled preset"
            screen.note = (
                f"{preset.name!r} comes with speedtimer and is read-only: you are editing a "
                "copy, which ctrl+s saves in your presets folder."
            )
            return screen
        raw = _read(preset.source)
        if raw is not None:  # the file as it is now, and the hash of exactly those bytes
            # a file that no longer loads: the preset given is edited (saving then asks)
            with contextlib.suppress(PresetError, UnicodeDecodeError):
                preset = parse_preset(raw.decode("utf-8"), preset.source)
        return cls(
            draft_from_preset(preset),
            folder=preset.source.parent,
            path=preset.source,
            what=f"editing {preset.source.name}",
            digest=_digest(raw),
        )

    # --- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="editor"):
            yield StepTree(self.draft, id="step-tree")
            yield NodeForm(self.draft, id="node-form")
        # narrow: the fields are out of sight until enter, so the way in is written here
        yield Static("enter: edit its fields · esc: leave", markup=False, id="editor-narrow-hint")
        yield Static("", markup=False, id="editor-outline")
        yield Static("", markup=False, id="editor-status")
        yield QuietFooter(compact=True)  # rebuilt only when the keys shown change

    @property
    def tree(self) -> StepTree:
        return self.query_one(StepTree)

    @property
    def form(self) -> NodeForm:
        return self.query_one(NodeForm)

    def on_mount(self) -> None:
        self._apply_size()
        self.call_after_refresh(self._ready)

    def on_resize(self) -> None:
        self._apply_size()

    def _apply_size(self) -> None:
        """Narrow: the fields take the tree's place while one has focus (enter), the tree
        comes back with esc; short: the outline line gives way to them."""
        size = self.app.size
        self.set_class(size.width < NARROW_WIDTH, "narrow")
        self.set_class(size.height < SHORT_HEIGHT, "short")

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        editing = self.form in event.widget.ancestors_with_self
        self.set_class(editing, "form-mode")
        self.form.show_hint(editing)

    def on_unmount(self) -> None:
        forget_closed_watchers(self.app)  # the header (app title) and description box (theme)

    def _ready(self) -> None:
        self.tree.rebuild(select=self.draft)
        self.form.show_node(self.draft)
        self.checked()
        if self.open_at_problem and self.problem is not None:
            self.action_go_to_problem()  # a broken file: straight to what is wrong
        elif not self.draft.name.strip():
            self.query_one("#f-name").focus()  # a new preset: start with its name
        else:
            self.tree.focus()
        if self.note:
            self.notify(self.note, title=self.note_title, timeout=12)

    # --- state -------------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        return self.draft.to_dict() != self.baseline

    def current(self) -> DraftPreset | Node:
        node = self.tree.cursor_node
        return node.data if node is not None and node.data is not None else self.draft

    def checked(self) -> None:
        """Check the preset again and show the verdict everywhere it belongs."""
        self.preset, self.problem = self.draft.validate()
        if self.preset is not None:
            self.last_good = self.preset
        elif self.problem is not None and self.problem.key == "name":
            # a missing name says nothing about the steps: the outline stays live meanwhile
            unnamed = DraftPreset(**{**vars(self.draft), "name": "untitled"})
            self.last_good = unnamed.validate()[0] or self.last_good
        tree = self.tree
        where: DraftPreset | Node | None = None
        key_field = ""
        if self.problem is not None:
            where, key_field = locate(self.draft, self.problem.key)
        tree.problem_node = where
        tree.relabel()
        self._show_problem_in_form()
        self._show_outline(where, key_field)
        self.sub_title = self.what + (" · unsaved changes" if self.dirty else "")
        self.refresh_bindings()

    def _show_problem_in_form(self) -> None:
        form = self.form
        if self.problem is None:
            form.show_problem(None, "")
            return
        where, key_field = locate(self.draft, self.problem.key)
        if where is form.node:
            form.show_problem(field_widget_id(where, key_field), self.problem.message)
        else:
            form.show_problem(None, "")

    def _show_outline(self, where: DraftPreset | Node | None, key_field: str) -> None:
        good = self.last_good
        if good is not None:
            live = self.preset is not None or (
                self.problem is not None and self.problem.key == "name"
            )
            style = "" if live else "dim"
            text = Content.assemble(
                # race-derived targets counted for the runner's race, as the menu counts them
                (
                    totals_line(session_preset(good, getattr(self.app, "race", None))[0]),
                    f"bold {style}".strip(),
                ),
                (" │ " + outline(good), style),
            )
        else:
            text = Content("")
        self.query_one("#editor-outline", Static).update(text)
        status = self.query_one("#editor-status", Static)
        if self.problem is None:
            status.update(Content.styled(f"✓ Ready to save ({self._key('save')})", "$success"))
        else:
            place = "Preset" if isinstance(where, DraftPreset) or where is None else None
            place = place or node_title(where)  # type: ignore[arg-type]
            label = f"{place} › {key_field}" if key_field else place
            status.update(
                Content.assemble(
                    ("⚠ ", "bold $error"),
                    (f"{label}: {self.problem.message}", "$error"),
                    (f"  {self._key('go_to_problem')}: go there", "dim"),
                )
            )

    def _key(self, action: str) -> str:
        """The key bound to one of this screen's actions, as remapped in the settings."""
        binding = textual_patches.binding_for(self, action)
        return action if binding is None else self.app.get_key_display(binding)

    # --- the tree and the form ---------------------------------------------------------------

    @on(Tree.NodeHighlighted, "#step-tree")
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        data = event.node.data
        if data is not None and data is not self.form.node:
            self.form.show_node(data)
            self._show_problem_in_form()
        self.refresh_bindings()

    @on(NodeForm.Edited)
    def _edited(self, event: NodeForm.Edited) -> None:
        self.checked()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go_to_problem":
            return self.problem is not None
        if not self.is_mounted or not self.query(StepTree):
            return True
        if action in TREE_ACTIONS:
            return not isinstance(self.current(), DraftPreset)
        if action == "wrap":
            return bool(self.tree.marked) or not isinstance(self.current(), DraftPreset)
        if action == "unwrap":
            return isinstance(self.current(), DraftBlock)
        return True

    def _changed_tree(self, select: DraftPreset | Node) -> None:
        tree = self.tree
        tree.marked = [m for m in tree.marked if _inside(self.draft, m)]
        tree.rebuild(select=select)
        self.form.show_node(select)
        self.checked()

    def action_edit_node(self) -> None:
        self.form.first_field().focus()

    def action_add_step(self) -> None:
        at = self.current()
        new = DraftStep(kind="rest" if _is_work(at) else "work")
        add_step(self.draft, at, new)
        self._changed_tree(new)

    def action_duplicate_node(self) -> None:
        node = self.current()
        if not isinstance(node, DraftPreset):
            self._changed_tree(duplicate(self.draft, node))

    def action_remove_node(self) -> None:
        node = self.current()
        if not isinstance(node, DraftPreset):
            self._changed_tree(remove(self.draft, node))

    def action_move(self, delta: int) -> None:
        node = self.current()
        if isinstance(node, DraftPreset):
            return
        if move(self.draft, node, delta):
            self._changed_tree(node)
        else:
            self.app.bell()

    def action_mark(self) -> None:
        node = self.current()
        if isinstance(node, DraftPreset):
            return
        tree = self.tree
        if tree.is_marked(node):
            tree.marked = [m for m in tree.marked if m is not node]
        else:
            tree.marked.append(node)
        tree.relabel()
        self.refresh_bindings()

    def action_wrap(self) -> None:
        tree = self.tree
        node = self.current()
        nodes = list(tree.marked) or ([] if isinstance(node, DraftPreset) else [node])
        try:
            block = wrap(self.draft, nodes)  # type: ignore[arg-type]
        except DraftError as exc:
            self.notify(f"Cannot wrap: {exc}", severity="warning")
            return
        tree.marked = []
        self._changed_tree(block)

    def action_unwrap(self) -> None:
        node = self.current()
        if isinstance(node, DraftBlock):
            inner = unwrap(self.draft, node)
            self._changed_tree(inner[0] if inner else self.draft)

    def action_go_to_problem(self) -> None:
        if self.problem is None:
            return
        where, key_field = locate(self.draft, self.problem.key)
        if not isinstance(where, DraftPreset):
            for block in ancestors(self.draft, where):
                block.expanded = True
        self.tree.rebuild(select=where)
        self.form.show_node(where)
        self._show_problem_in_form()
        widget_id = field_widget_id(where, key_field)
        target: Widget = self.form.first_field()
        if widget_id is not None:
            candidate = self.form.query_one(f"#{widget_id}")
            if not candidate.disabled:
                target = candidate
        target.focus()

    # --- saving and leaving ------------------------------------------------------------------

    def action_save(self) -> None:
        self.save()

    def save(self, *, quit_app: bool = False) -> None:
        """Save and leave; a problem or a taken file name keeps the editor open."""
        if self.problem is not None or self.preset is None:
            message = self.problem.message if self.problem else "nothing to save"
            self.notify(f"Not saved: {message}", title="Fix this first", severity="error")
            self.action_go_to_problem()
            return
        preset = self.preset
        if self.path is not None and _digest(_read(self.path)) != self.digest:
            self._ask_about_changed_file(preset, self.path, quit_app)
            return
        try:
            dest = save_preset(preset, self.folder, path=self.path)
        except FileExistsError as exc:
            self._ask_about_existing(preset, Path(str(exc)), quit_app)
            return
        except (SaveError, PresetError, OSError) as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        self._saved(dest, quit_app)

    def _ask_about_existing(self, preset: Preset, existing: Path, quit_app: bool) -> None:
        try:
            other = repr(load_preset(existing).name)
        except PresetError:
            other = "a file that does not load"
        beside = free_path(self.folder, preset)
        question = (
            f"The file {existing.name} already exists in your presets folder: it holds {other}.\n"
            f"Replace it, or save this preset as {beside.name}?"
        )

        def answered(choice: str | None) -> None:
            if choice == "replace":
                self._save_as_answered(preset, quit_app, overwrite=True)
            elif choice == "beside":
                self._save_as_answered(preset, quit_app, path=beside)

        self.app.push_screen(
            ChoiceScreen(
                question,
                [
                    Choice("replace", "Replace", "r", "error"),
                    Choice("beside", f"Save as {beside.stem}", "s", "success"),
                    Choice("cancel", "Back", "b", "primary"),
                ],
                safe="cancel",
            ),
            answered,
        )

    def _save_as_answered(self, preset: Preset, quit_app: bool, **where) -> None:
        """Save where a question's answer said (`save_preset`'s path/overwrite), or say why
        it could not be saved."""
        try:
            dest = save_preset(preset, self.folder, **where)
        except (SaveError, PresetError, OSError) as exc:
            self.notify(str(exc), title="Not saved", severity="error", timeout=10)
            return
        self._saved(dest, quit_app)

    def _ask_about_changed_file(self, preset: Preset, path: Path, quit_app: bool) -> None:
        """The file is no longer what the editor read: ask before anything is written."""
        beside = free_path(self.folder, preset)
        gone = not path.exists()
        what = "was removed" if gone else "was changed by another program"
        choices = [
            Choice("overwrite", "Save again" if gone else "Overwrite", "o", "error"),
            Choice("beside", f"Save as {beside.stem}", "s", "success"),
            Choice("cancel", "Back", "b", "primary"),
        ]
        if not gone:
            choices.insert(0, Choice("reload", "Reload (drop my edits)", "r", "warning"))

        def answered(choice: str | None) -> None:
            if choice == "reload":
                self._reload_from_disk()
            elif choice == "overwrite":
                self._save_as_answered(preset, quit_app, path=path)
            elif choice == "beside":
                self._save_as_answered(preset, quit_app, path=beside)

        self.app.push_screen(
            ChoiceScreen(
                f"The file {path.name} {what} since the editor opened it.\n"
                "Reload it (your edits are dropped), overwrite it with your version, or save "
                f"yours as {beside.name}?",
                choices,
                safe="cancel",
            ),
            answered,
        )

    def _reload_from_disk(self) -> None:
        """The file as it is now replaces the draft; a file that does not load stays on disk
        untouched and the edits stay here."""
        assert self.path is not None
        raw = _read(self.path)
        try:
            if raw is None:
                raise PresetError("cannot read the file", self.path)
            fresh = parse_preset(raw.decode("utf-8"), self.path)
        except (PresetError, UnicodeDecodeError) as exc:
            self.notify(f"Cannot reload: {exc}", title="Not reloaded", severity="error")
            return
        vars(self.draft).update(vars(draft_from_preset(fresh)))  # the tree and form keep it
        self.digest = _digest(raw)
        self.baseline = self.draft.to_dict()
        self.tree.marked = []
        self._changed_tree(self.draft)
        self.notify(f"Reloaded {self.path.name} from disk", title="Reloaded")

    def _saved(self, dest: Path, quit_app: bool) -> None:
        self.baseline = self.draft.to_dict()
        self.notify(f"Saved {self.preset.name if self.preset else ''} to {dest}", title="Saved")
        if quit_app:
            self.app.exit()
        else:
            self.dismiss(dest)

    def action_back(self) -> None:
        """From a field: back to the tree. From the tree: leave, asking if there are changes."""
        focused = self.focused
        if focused is not None and focused is not self.tree:
            self.tree.focus()
            return
        self.request_leave()

    def request_leave(self, *, quit_app: bool = False) -> None:
        if not self.dirty:
            self._leave(quit_app)
            return

        def answered(choice: str | None) -> None:
            if choice == "save":
                self.save(quit_app=quit_app)
            elif choice == "discard":
                self._leave(quit_app)

        name = self.draft.name.strip()
        # a sentence starts with a capital whatever the preset is called ("tempo", or none yet)
        question = (
            f"The preset {name!r} has unsaved changes."
            if name
            else ("This new preset has unsaved changes.")
        )
        self.app.push_screen(
            ChoiceScreen(
                question,
                [
                    Choice("save", "Save", "s", "success"),
                    Choice("discard", "Discard", "d", "error"),
                    Choice("keep", "Keep editing", "k", "primary"),
                ],
                safe="keep",
            ),
            answered,
        )

    def _leave(self, quit_app: bool) -> None:
        if quit_app:
            self.app.exit()
        else:
            self.dismiss(None)


def _read(path: Path) -> bytes | None:
    """The file's bytes now, or None if it cannot be read as a preset file (gone, too big,
    not a regular file)."""
    try:
        return read_regular_file(path, MAX_FILE_BYTES, "presets")
    except (OSError, FileRefused):
        return None


def _digest(raw: bytes | None) -> str | None:
    return None if raw is None else hashlib.sha256(raw).hexdigest()


def _inside(draft: DraftPreset, node: Node) -> bool:
    return any(n is node for n in walk_nodes(draft.steps))


def _is_work(node: object) -> bool:
    return isinstance(node, DraftStep) and node.kind == "work"
