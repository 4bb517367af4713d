"""The preset's steps as a tree: the preset at the root, blocks as branches, steps as leaves.

Its keys act on the node under the cursor and exist only while the tree has focus, so letters
stay free for typing in the form beside it. What they do is the editor screen's business:
each key asks the screen, and the screen says which keys apply to the node (the rest are
hidden from the footer).
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from speedtimer.core.schedule import KIND_NAMES
from speedtimer.tui.editor_draft import DraftBlock, DraftPreset, DraftStep, Node

KIND_STYLES = {
    "warmup": "#f77f00",
    "work": "bold #ff5a5f",
    "rest": "#4ea8de",
    "cooldown": "#b392f0",
}


def node_title(node: DraftPreset | Node) -> str:
    """Short words for a node, used in the tree and in messages about it."""
    if isinstance(node, DraftPreset):
        return node.name.strip() or "(no name yet)"
    if isinstance(node, DraftBlock):
        text = f"{node.repeat.strip() or '?'} ×"
        if node.label:
            text += f" {node.label}"
        if node.skip_last_rest:
            text += " · no last rest"
        return text
    when = "lap" if node.until_lap else (node.duration.strip() or "?")
    text = f"{KIND_NAMES.get(node.kind, node.kind)} {when}"
    if node.distance.strip():
        text += f" {node.distance.strip()} m"
    if node.label:
        text += f" · {node.label}"
    return text


def node_label(node: DraftPreset | Node, *, marked: bool, problem: bool) -> Text:
    """Rich Text, never markup: a label like "[b]" must show as typed."""
    text = Text()
    if problem:
        text.append("⚠ ", style="bold red")
    if marked:
        text.append("● ", style="bold yellow")
    if isinstance(node, DraftPreset):
        text.append(node_title(node), style="bold")
    elif isinstance(node, DraftStep):
        name = KIND_NAMES.get(node.kind, node.kind)
        text.append(name, style=KIND_STYLES.get(node.kind, ""))
        text.append(node_title(node)[len(name) :])
    else:
        text.append(node_title(node), style="bold")
    return text


class StepTree(Tree[DraftPreset | Node]):
    MOVE = Binding.Group("Move", compact=True)
    BINDINGS = [
        Binding("enter", "screen.edit_node", "Edit", id="editor_edit", show=False),
        Binding(
            "shift+up,ctrl+up",
            "screen.move(-1)",
            "Up",
            id="editor_move_up",
            key_display="⇧↑",
            group=MOVE,
        ),
        Binding(
            "shift+down,ctrl+down",
            "screen.move(1)",
            "Down",
            id="editor_move_down",
            key_display="⇧↓",
            group=MOVE,
        ),
        Binding("a,insert", "screen.add_step", "Add", id="editor_add"),
        Binding("delete,x", "screen.remove_node", "Remove", id="editor_remove", key_display="del"),
        Binding("space", "screen.mark", "Mark", id="editor_mark", tooltip="Mark steps to wrap"),
        Binding("w", "screen.wrap", "Wrap", id="editor_wrap", tooltip="Wrap into a repeat block"),
        Binding("u", "screen.unwrap", "Unwrap", id="editor_unwrap"),
        Binding("d", "screen.duplicate_node", "Copy", id="editor_copy", show=False),
        Binding("right", "open_block", "Open", id="editor_open", show=False),
        Binding("left", "close_block", "Close", id="editor_close", show=False),
    ]

    def __init__(self, draft: DraftPreset, **kwargs) -> None:
        super().__init__(node_title(draft), data=draft, **kwargs)
        self.auto_expand = False
        self.guide_depth = 3
        self.marked: list[Node] = []
        self.problem_node: DraftPreset | Node | None = None

    @property
    def draft(self) -> DraftPreset:
        return self.root.data  # type: ignore[return-value]

    def is_marked(self, node: object) -> bool:
        return any(m is node for m in self.marked)

    def rebuild(self, select: DraftPreset | Node | None = None) -> None:
        """Draw the whole tree again from the draft and put the cursor on `select`."""
        self.clear()
        self.root.set_label(self._label_for(self.draft))
        self.root.expand()
        wanted: TreeNode | None = self.root if select is None or select is self.draft else None

        def add(parent: TreeNode, items: list[Node]) -> None:
            nonlocal wanted
            for item in items:
                label = self._label_for(item)
                if isinstance(item, DraftBlock):
                    child = parent.add(label, data=item, expand=item.expanded)
                    add(child, item.steps)
                else:
                    child = parent.add_leaf(label, data=item)
                if item is select:
                    wanted = child
                    # the node must be visible to hold the cursor
                    up = child.parent
                    while up is not None:
                        up.expand()
                        up = up.parent

        add(self.root, self.draft.steps)
        _ = self.last_line  # lays the lines out now, so the node knows its line
        if wanted is not None:
            self.move_cursor(wanted)

    def find(self, data: object) -> TreeNode | None:
        def search(node: TreeNode) -> TreeNode | None:
            if node.data is data:
                return node
            for child in node.children:
                hit = search(child)
                if hit is not None:
                    return hit
            return None

        return search(self.root)

    def relabel(self, data: object | None = None) -> None:
        """New labels after a field changed: one node, or all of them (markers moved)."""
        nodes = [self.find(data)] if data is not None else list(self._all(self.root))
        for node in nodes:
            if node is not None:
                node.set_label(self._label_for(node.data))

    def _all(self, node: TreeNode):
        yield node
        for child in node.children:
            yield from self._all(child)

    def _label_for(self, data: object) -> Text:
        return node_label(
            data,  # type: ignore[arg-type]
            marked=self.is_marked(data),
            problem=data is self.problem_node,
        )

    def process_label(self, label) -> Text:
        if isinstance(label, str):
            return Text(label)  # never read as markup
        return super().process_label(label)

    def action_open_block(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.expand()

    def action_close_block(self) -> None:
        """On an open block: close it; anywhere else: to the block around."""
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded and node is not self.root:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        if isinstance(event.node.data, DraftBlock):
            event.node.data.expanded = True

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed) -> None:
        if isinstance(event.node.data, DraftBlock):
            event.node.data.expanded = False
