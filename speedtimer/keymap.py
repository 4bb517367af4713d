"""The binding ids a user can remap in [keys], read from the app's own classes.

Textual silently ignores a keymap entry whose id no binding has, so a typo would leave the
user wondering why nothing changed. Reading the ids from the classes themselves keeps the list
right as screens gain bindings, with nothing to keep in step by hand.
"""

from __future__ import annotations

import importlib
import pkgutil


def binding_ids() -> dict[str, tuple[str, str]]:
    """Binding id -> (default keys, description), for every speedtimer app, screen and widget."""
    import speedtimer.components as components
    from speedtimer.app import SpeedTimerApp

    for module in pkgutil.iter_modules(components.__path__):
        importlib.import_module(f"{components.__name__}.{module.name}")

    from textual.binding import Binding
    from textual.dom import DOMNode

    ids: dict[str, tuple[str, str]] = {}
    for cls in [SpeedTimerApp, *_subclasses(DOMNode)]:
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
