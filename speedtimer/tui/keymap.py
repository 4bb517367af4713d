"""The binding ids a user can remap in [keys], read from the app's own classes.

Textual silently ignores a keymap entry whose id no binding has, so a typo would leave the
user wondering why nothing changed. Reading the ids from the classes themselves keeps the list
right as screens gain bindings, with nothing to keep in step by hand.
"""

from __future__ import annotations

import importlib
import pkgutil


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
