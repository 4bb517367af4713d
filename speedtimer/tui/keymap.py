"""The binding ids a user can remap in [keys], read from the app's own classes.

Textual silently ignores a keymap entry whose id no binding has, so a typo would leave the
user wondering why nothing changed. Reading the ids from the classes themselves keeps the list
right as screens gain bindings, with nothing to keep in step by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass


def binding_ids(app_class: type) -> dict[str, tuple[str, str]]:
    """Binding id -> (default keys, description), for the app class given and every speedtimer
    screen, dialog and widget. The app hands its own class in, so this module never imports
    the app (which imports this one)."""
    from speedtimer.tui import modals, screens, widgets

    for package in (screens, modals, widgets):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")

    from textual.binding import Binding
    from textual.dom import DOMNode

    ids: dict[str, tuple[str, str]] = {}
    for cls in [app_class, *_subclasses(DOMNode)]:
        if not cls.__module__.startswith("speedtimer."):
            continue
        for b in cls.__dict__.get("BINDINGS", ()):
            if isinstance(b, Binding) and b.id and b.id not in ids:
                ids[b.id] = (b.key, b.description or b.action)
    return dict(sorted(ids.items()))


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out += _subclasses(sub)
    return out


# --- what a [keys] remap does to the other bindings ---------------------------------------------


@dataclass(frozen=True)
class KeyConflict:
    """`winner`'s new keys took `key` from `loser`, on `where` (a screen or widget class)."""

    winner: str  # binding id the runner remapped
    key: str
    loser: str  # binding id that lost the key
    loser_description: str
    loser_keeps: tuple[str, ...]  # the keys it still has there
    where: str
    priority: bool = False  # the app's own priority binding wins, wherever the focus is

    def message(self, settings_file: object, value: str) -> str:
        keeps = (
            f"{self.loser} keeps {', '.join(self.loser_keeps)}"
            if self.loser_keeps
            else f"{self.loser} has no key left there; give it one in [keys]"
        )
        if self.priority:
            return (
                f"{settings_file}: keys.{self.winner} = {value!r}: {self.key} is taken first by "
                f"{self.loser!r} ({self.loser_description}) everywhere in the app, so "
                f"{self.winner!r} never gets it on the {self.where}"
            )
        return (
            f"{settings_file}: keys.{self.winner} = {value!r} takes {self.key} from "
            f"{self.loser!r} ({self.loser_description}) on the {self.where}; {keeps}"
        )


def plan_keymap(
    keymap: dict[str, str], app_class: type
) -> tuple[dict[str, str], list[KeyConflict]]:
    """The keymap to give Textual for `keymap` (binding id -> keys), and the keys it takes from
    other bindings of the same screen or widget.

    Textual lets a remapped key win silently, and when it moves a binding off its old key it
    drops every other binding on that key too (remapping pause drops resume's space). The
    keymap returned gives such bindings their own keys back, so only real conflicts remain:
    a key the runner gave to two bindings on one screen. Textual's own `apply_keymap` decides
    what each screen ends up with, so this says exactly what the app will do."""

    known = binding_ids(app_class)
    wanted = {bid: keys for bid, keys in keymap.items() if bid in known}
    namespaces = _binding_namespaces(app_class)
    completed = dict(wanted)
    for _, bindings in namespaces:
        before = _keys_by_id(bindings)
        after = _keys_by_id(_applied(bindings, wanted))
        held = {k for keys in after.values() for k in keys}
        for bid, keys in before.items():
            if bid in wanted or bid in completed:
                continue
            if any(k not in after.get(bid, ()) and k not in held for k in keys):
                completed[bid] = ",".join(keys)  # dropped with a neighbour: give it back

    conflicts: list[KeyConflict] = []
    app_priority = _priority_keys(_applied(app_class._merged_bindings, completed))
    default_priority = _priority_keys(app_class._merged_bindings)
    for cls, bindings in namespaces:
        where = _place(cls)
        before = _keys_by_id(bindings)
        applied = _applied(bindings, completed)
        after = _keys_by_id(applied)
        for bid, keys in before.items():
            if bid in wanted:
                continue
            for key in keys:
                if key in after.get(bid, ()):
                    continue
                takers = [b.id for b in applied.key_to_bindings.get(key, ()) if b.id in wanted]
                for winner in dict.fromkeys(takers):
                    conflicts.append(
                        KeyConflict(
                            winner, key, bid, known[bid][1], tuple(after.get(bid, ())), where
                        )
                    )
        if cls is app_class:
            continue
        for bid, keys in after.items():
            for key in keys:
                owner = app_priority.get(key)
                if (
                    owner is None
                    or owner == bid
                    or default_priority.get(key) == owner
                    and (bid not in wanted and owner not in wanted)
                ):
                    continue
                winner, loser = (bid, owner) if bid in wanted else (owner, bid)
                if winner not in wanted:
                    continue
                if loser == owner:  # the priority binding keeps the key: the remap is lost
                    conflicts.append(
                        KeyConflict(bid, key, owner, known[owner][1], (), where, priority=True)
                    )
                else:
                    keeps = tuple(k for k in after.get(bid, ()) if k != key)
                    conflicts.append(KeyConflict(owner, key, bid, known[bid][1], keeps, where))
    return completed, list(dict.fromkeys(conflicts))


def key_conflicts(keymap: dict[str, str], settings_file: object, app_class: type) -> list[str]:
    """One message per key a [keys] entry takes from another binding (see plan_keymap)."""
    _, conflicts = plan_keymap(keymap, app_class)
    return [c.message(settings_file, keymap[c.winner]) for c in conflicts]


def _binding_namespaces(app_class: type) -> list[tuple[type, object]]:
    """(class, its merged BindingsMap) for the app and every screen and widget with bindings."""
    from textual.dom import DOMNode

    binding_ids(app_class)  # imports every screen, dialog and widget module
    out = []
    for cls in [app_class, *_subclasses(DOMNode)]:
        if cls.__module__.startswith("speedtimer.") and cls.__dict__.get("BINDINGS"):
            out.append((cls, cls._merged_bindings))
    return out


def _applied(bindings, keymap: dict[str, str]):
    copy = bindings.copy()
    if keymap:
        copy.apply_keymap(keymap)
    return copy


def _keys_by_id(bindings) -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for key, key_bindings in bindings.key_to_bindings.items():
        for b in key_bindings:
            if b.id and key not in keys.setdefault(b.id, []):
                keys[b.id].append(key)
    return keys


def _priority_keys(bindings) -> dict[str, str]:
    return {
        key: b.id
        for key, key_bindings in bindings.key_to_bindings.items()
        for b in key_bindings
        if b.priority and b.id
    }


def _place(cls: type) -> str:
    """RunScreen -> "run screen", StepTree -> "step tree"."""
    words = re.findall(r"[A-Z][a-z]*|[a-z]+", cls.__name__.removeprefix("SpeedTimer"))
    return " ".join(w.lower() for w in words) or "app"
