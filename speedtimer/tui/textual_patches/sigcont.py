"""SIGCONT: resume the terminal only after the app's own suspend.

After Ctrl+Z (SIGTSTP) Textual's Linux driver suspended the terminal and resumes it on
SIGCONT. After a plain SIGSTOP (a debugger, a job-control tool, a machine out of memory)
nothing was suspended, yet Textual resumed anyway: every stop and continue started another
pair of terminal threads, and the app then hung for good when it quit. The driver's private
flag says whether it suspended; without it (another Textual) the screen is only redrawn,
which is always safe.
"""

from __future__ import annotations

from speedtimer.tui.textual_patches.degrade import degraded

UPSTREAM = {
    "textual.drivers.linux_driver:LinuxDriver._sigcont_application": "1d7463a74df118a4",
}


def resume_if_suspended(app: object) -> bool:
    """Resume the terminal when this SIGCONT follows the app's own suspend (True); otherwise
    leave it alone (False), and the caller redraws."""
    driver = getattr(app, "_driver", None)
    if driver is None:
        return False
    if not hasattr(driver, "_sigcont_application"):
        return False  # a driver with no suspend of its own (web, headless): just redraw
    if not hasattr(driver, "_must_signal_resume"):
        degraded("sigcont", "the driver no longer says whether it suspended")
        return False
    if not driver._must_signal_resume:
        return False
    driver._sigcont_application()
    return True
