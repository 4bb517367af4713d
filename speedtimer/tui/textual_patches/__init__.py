"""Every place speedtimer reaches into Textual's private code, fenced into this one package.

Six patches, each for a problem Textual has (or had) upstream:
- `styles_cache`: a memory leak in `StylesCache.get_inner_outer` (Textualize/textual#6665);
- `partial_update`: a screen update that renders every widget in the rectangle around the
  changed places, not only the widgets under them (the run screens' CPU each second);
- `watchers`: closed widgets kept alive by watchers Textual never drops (Textualize/textual#6666);
- `quiet_driver`: a keyboard thread that wakes ten times a second for nothing;
- `sigcont`: a SIGCONT that resumed a terminal the app never suspended;
- `key_order`: keys of one burst sent to the widget that had the focus when they arrived,
  not where the key before them moved it (the app's base class, `OrderedKeys`).

They hold only for the Textual they were written against, so pyproject pins `textual==` that
version (`PINNED_TEXTUAL`), and each patch module lists the upstream code it copies or relies
on with a hash of its source (`UPSTREAM`): tests/tui/test_textual_patches.py fails when one
changes, so an upgrade is a deliberate act with a failing test to read. Should a private name be
gone at run time anyway (Textual upgraded by hand), each patch steps aside, Textual's own
behaviour stays, and the log says so in one line (`degraded`).

Nothing outside this package imports a private Textual module or touches a private attribute
of Textual's objects (a test reads every module to be sure). The app calls `install()` once.
"""

from __future__ import annotations

from speedtimer.tui.textual_patches.degrade import PINNED_TEXTUAL, degraded

__all__ = [
    "PINNED_TEXTUAL",
    "binding_for",
    "degraded",
    "event_age",
    "install",
    "notices_showing",
    "quiet_driver_for",
    "withdraw_notice",
]


def install() -> None:
    """Put in place the patches that replace Textual code for the whole process."""
    from speedtimer.tui.textual_patches import partial_update, styles_cache

    styles_cache.install()
    partial_update.install()


def quiet_driver_for(driver_class: type) -> type:
    """The quiet keyboard driver in place of Textual's Linux one, or Textual's own driver when
    a private name the quiet one needs is gone."""
    try:
        from speedtimer.tui.textual_patches import quiet_driver
    except ImportError as exc:
        degraded("quiet_driver", f"cannot import {exc.name}")
        return driver_class
    missing = quiet_driver.usable()
    if missing:
        degraded("quiet_driver", missing)
        return driver_class
    return quiet_driver.quiet_driver_for(driver_class)


def binding_for(node: object, action: str) -> object | None:
    """The binding of `action` on `node` as the keymap left it (the user's remapped key), or its
    class default when Textual no longer keeps the node's bindings where this looks."""
    bindings = getattr(node, "_bindings", None)
    key_to_bindings = getattr(bindings, "key_to_bindings", None)
    if isinstance(key_to_bindings, dict):
        for found in key_to_bindings.values():
            for binding in found:
                if getattr(binding, "action", None) == action:
                    return binding
        return None
    degraded("bindings", "a node's bindings are no longer in `_bindings.key_to_bindings`")
    for binding in getattr(type(node), "BINDINGS", ()):
        if getattr(binding, "action", None) == action:
            return binding
    return None


def report_crash(app: object, exc: BaseException) -> None:
    """What a Textual timer callback does with an exception: the app shows it and exits."""
    handle = getattr(app, "_handle_exception", None)
    if callable(handle):
        handle(exc)
        return
    degraded("report_crash", "App._handle_exception is gone")
    app.exit(return_code=1, message=repr(exc))  # type: ignore[attr-defined]


def notices_showing(app: object) -> list:
    """The notifications on screen now (Textual lists them only privately); none when Textual
    no longer keeps them where this looks."""
    showing = getattr(app, "_notifications", None)
    if showing is None:
        degraded("notices", "App._notifications is gone")
        return []
    return list(showing)


def withdraw_notice(app: object, notification: object) -> None:
    """Take one notification off the screen, leaving the others (Textual's public call clears
    them all)."""
    unnotify = getattr(app, "_unnotify", None)
    if callable(unnotify):
        unnotify(notification)
    else:
        degraded("notices", "App._unnotify is gone")


def event_age(event_time: float) -> float:
    """How long ago Textual stamped an event (`event.time`, on Textual's own clock, which only
    its private `_time` module reads); 0 when that clock is no longer where this looks."""
    try:
        from textual._time import get_time
    except ImportError:
        degraded("event_age", "textual._time.get_time is gone")
        return 0.0
    return max(0.0, get_time() - event_time)
