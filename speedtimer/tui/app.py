"""The Textual app: wires the catalog, audio, history and screens together.

`make_app()` is the single factory used by the CLI and the tests, so tests run the very app a
runner runs, with only the clock, folders and audio injected.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel

from speedtimer.config.paths import Paths
from speedtimer.config.settings import (
    Settings,
    key_problems,
    load_settings,
    problems_notice,
    theme_problem,
)
from speedtimer.core.paces import Race
from speedtimer.core.preset import Preset
from speedtimer.formats.catalog import Catalog
from speedtimer.tui import textual_patches
from speedtimer.tui.screens.menu import MenuScreen
from speedtimer.tui.textual_patches.key_order import OrderedKeys

if TYPE_CHECKING:  # the run screen, session and sound come after the menu's first frame
    from speedtimer.core.targets import StartChoice
    from speedtimer.formats.squad import Squad
    from speedtimer.machine_sleep import SleepWatch
    from speedtimer.sound.audio import Audio
    from speedtimer.sound.voice import Voice
    from speedtimer.tui.screens.group_run import GroupRunScreen
    from speedtimer.tui.screens.run import RunScreen

log = logging.getLogger("speedtimer")
RACE_KEY = "ctrl+t"  # the menu's key for the runner's race (MenuScreen's binding "race")
FIRST_LISTING_WAIT_S = 1.0  # the menu's first list is late (a huge folder): start anyway
EXIT_FLUSH_S = 3.0  # at most this long at exit for history writes; the rest go to a file
textual_patches.install()


def _running_screen(screen: object) -> RunScreen | None:
    """The screen if it is a run screen; never imports the run screen just to ask."""
    module = sys.modules.get("speedtimer.tui.screens.run")
    return screen if module is not None and isinstance(screen, module.RunScreen) else None


class SpeedTimerApp(OrderedKeys):  # keys of a burst go where the focus moved (key_order.py)
    CSS_PATH = "app.tcss"
    TITLE = "speedtimer"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit", priority=True)]

    def __init__(
        self,
        paths: Paths,
        *,
        settings: Settings,
        settings_problems: list[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        audio: Audio | None = None,
        mute: bool | None = None,
        voice: bool | None = None,
        get_ready_s: float | None = None,
        start_preset: Preset | None = None,
        record_history: bool = True,
        sleep_clock: Callable[[], float] | None = None,
        keep_awake: bool = True,
        race: Race | None = None,
        start_choice: StartChoice | None = None,
        start_squad: Squad | None = None,
        write_settings_file: bool = False,
    ) -> None:
        """`sleep_clock`: a clock that keeps counting while the computer sleeps, to notice a
        sleep against `clock`; by default CLOCK_BOOTTIME (or the wall clock) when `clock` is
        the real monotonic one, and none for an injected clock. `keep_awake`: ask the system
        not to sleep on idle while a session runs. `write_settings_file`: write the commented
        settings file (there is none yet) after the first frame."""
        super().__init__()
        self._own_thread = threading.get_ident()  # the app's thread, set again on mount
        self.paths = paths
        self.settings = settings
        self.startup_problems = list(settings_problems or [])
        self.clock = clock
        self.wall_clock = wall_clock
        self._audio = audio
        self.muted = settings.mute if mute is None else mute
        self.voice_on = settings.voice if voice is None else voice
        self.speak_marks = settings.speak_marks  # coach mode: say each mark (V toggles it)
        self._voice: Voice | None = None
        self.get_ready_s = settings.get_ready_s if get_ready_s is None else get_ready_s
        self.start_preset = start_preset
        self.start_choice = start_choice
        self.start_squad = start_squad  # coach mode: the squad with today's athletes only
        self.record_history = record_history
        self.sleep_clock = sleep_clock
        self.keep_awake = keep_awake
        # The runner's race: --race for this run, else the settings file's [runner] race.
        self.race: Race | None = race if race is not None else settings.race
        self._race_hint_given = False
        self._write_settings_file = write_settings_file
        self.catalog: Catalog = Catalog(())
        self._sound_told = False  # the sound problem is said once per app run
        self._held: list[tuple[str, str, str, float]] = []  # notices waiting for a session's end
        self._cue_problems_told: set[str] = set()  # sound file problems in that notice
        self._first_frame_done = False  # the work that waits for the menu's first list
        self._apply_theme_and_keys()

    def get_driver_class(self) -> type:
        """Textual's driver, but on Linux one whose keyboard thread does not wake ten times a
        second for nothing (textual_patches/quiet_driver.py)."""
        from textual import constants

        driver_class = super().get_driver_class()
        if sys.platform.startswith("linux") and constants.DRIVER is None:
            driver_class = textual_patches.quiet_driver_for(driver_class)
        return driver_class

    def _apply_theme_and_keys(self) -> None:
        """A theme or binding id Textual does not know is reported, not silently ignored."""
        problem = theme_problem(self.settings, set(self.available_themes))
        if problem:
            self.startup_problems.append(problem)
        else:
            self.theme = self.settings.theme
        if self.settings.keys:
            from speedtimer.tui.keymap import binding_ids, key_conflicts, plan_keymap

            known = binding_ids(type(self))
            self.startup_problems += key_problems(self.settings, known)
            # a key taken from another binding on the same screen is said, not silent
            self.startup_problems += key_conflicts(
                self.settings.keys, self.settings.file, type(self)
            )
            self.set_keymap(plan_keymap(self.settings.keys, type(self))[0])

    # --- start-up --------------------------------------------------------------------------

    def get_default_screen(self) -> MenuScreen:
        """The menu is the bottom of the screen stack: the first frame draws it (no empty
        default screen drawn first and then covered)."""
        return MenuScreen(self.catalog, load=True)

    def on_mount(self) -> None:
        self._own_thread = threading.get_ident()  # where problems from other threads go
        # The menu reads the preset folders itself, after its first frame and then on a
        # worker thread, so hundreds of large files never keep it from showing.
        if self.start_preset is not None and self.start_squad is not None:
            self.start_group_session(self.start_preset, self.start_squad, self.start_choice)
        elif self.start_preset is not None:
            self.start_session(self.start_preset, self.start_choice)
        self._report_settings_problems()
        self._install_signal_handlers()
        if self.start_preset is not None:
            self.call_after_refresh(self._after_first_frame)
        else:  # after the menu's first frame that lists presets (see `presets_listed`)
            self.set_timer(FIRST_LISTING_WAIT_S, self._after_first_frame)

    def presets_listed(self) -> None:
        """The menu has drawn its first list of presets: what waited for it may start."""
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        """Start the sound player (a separate process that preloads every cue), tidy the
        history and write a first run's settings file: after the first frame that lists the
        presets, so they cost the menu nothing, and the first cue nothing either."""
        if self._first_frame_done:
            return
        self._first_frame_done = True
        gc.enable()  # held through start-up by `speedtimer.cli.main.main`
        self.audio  # noqa: B018 (starts the player)
        if self.record_history:
            self._tidy_history()
        if self._write_settings_file:
            self._create_settings_file()

    def on_app_focus(self) -> None:
        """Back from another window: preset files may have changed meanwhile."""
        if isinstance(self.screen, MenuScreen):
            self.screen.check_files()

    def _report_settings_problems(self) -> None:
        """All the settings' problems in one short notice (`speedtimer config show` lists
        them in full); each goes to the log in full."""
        problems = list(self.startup_problems)
        if self._audio is None and self.settings.sounds:  # the settings' own sound files
            from speedtimer.sound.audio import resolve_cue_files

            _, sound = resolve_cue_files(self.paths.sounds_dir, self.settings.sounds)
            problems += [f"{self.settings.file}: sounds: {m}" for m in sound]
            self._cue_problems_told.update(sound)
        for problem in problems:
            log.warning(problem)
        if problems:
            self.tell(problems_notice(problems, self.settings.file), timeout=15)

    @work(thread=True, exit_on_error=False, group="settings-file")
    def _create_settings_file(self) -> None:
        """The commented settings file of a first run, off the UI thread: its key bindings
        come from every screen's module, which the first screen does not need."""
        from speedtimer.config.template import create_settings_file
        from speedtimer.tui.keymap import binding_ids

        create_settings_file(
            self.paths.settings_file,
            sounds_dir=self.paths.sounds_dir,
            bindings=binding_ids(SpeedTimerApp),
        )

    @work(thread=True, exit_on_error=False, group="tidy-history")
    def _tidy_history(self) -> None:
        """Bring in sessions a crash or a broken database left behind, off the UI thread.

        Sessions left 'in_progress' by a process that is gone become 'interrupted' and
        sessions kept in pending JSON files go into the database, so the history is right
        whether or not the runner ever opens the history screen.
        """
        from speedtimer.history.errors import StoreError
        from speedtimer.history.recorder import open_history_store

        try:
            store, problems = open_history_store(
                self.paths.history_db, self.wall_clock(), self.paths.spare_pending_dir
            )
        except StoreError as exc:
            problems, store = [str(exc)], None
        if store is not None:
            store.close()
        for problem in problems:
            with contextlib.suppress(RuntimeError):  # the app may have closed meanwhile
                self.call_from_thread(self.report, problem)

    @property
    def audio(self) -> Audio:
        if self._audio is None:
            from speedtimer.sound.audio import open_audio, resolve_cue_files

            files, problems = resolve_cue_files(self.paths.sounds_dir, self.settings.sounds)
            for p in problems:
                if p not in self._cue_problems_told:  # else already in the settings notice
                    self.report(p)
            self._audio = open_audio(
                files,
                self.paths.log_file,
                enabled=True,
                on_problem=self._from_any_thread(self._show_audio_problem),
            )
        return self._audio

    @property
    def voice(self) -> Voice:
        """The speech renderer, made when a session first wants it (voice on, or `v`)."""
        if self._voice is None:
            from speedtimer.sound.voice import SpeechCache, Voice, VoiceConfig

            cache = SpeechCache(
                self.paths.speech_cache_dir, VoiceConfig.from_settings(self.settings)
            )
            self._voice = Voice(
                cache, self.audio, on_problem=self._from_any_thread(self.report), clock=self.clock
            )
        return self._voice

    @functools.cached_property
    def _cue_seconds(self) -> dict[str, float]:
        """How long each cue sounds, for the voice to keep clear of: read once, not per session."""
        from speedtimer.sound.audio import cue_lengths, resolve_cue_files

        return cue_lengths(resolve_cue_files(self.paths.sounds_dir, self.settings.sounds)[0])

    def _from_any_thread(self, show: Callable[[str], None]) -> Callable[[str], None]:
        """A problem callback for the sound helper's, the speech renderer's and the history
        writer's threads: `show` runs on the app's own thread."""

        def tell(message: str) -> None:
            if threading.get_ident() == self._own_thread:
                show(message)
            else:
                with contextlib.suppress(RuntimeError):  # the app may have closed meanwhile
                    self.call_from_thread(show, message)

        return tell

    def _show_history_problem(self, message: str) -> None:
        self.report(message, "error")
        for screen in self.screen_stack:
            running = _running_screen(screen)
            if running is not None:
                running.set_status(running.HISTORY_STATUS, "history")

    def _show_audio_problem(self, message: str) -> None:
        """Said once per app run, and never over a running session: there the run screen's
        status line says it in a few words, and the full notice waits for the summary."""
        log.warning(message)
        running = [r for r in map(_running_screen, self.screen_stack) if r is not None]
        for screen in running:
            screen.set_status(screen.SOUND_STATUS, "sound")
        if not self._sound_told:
            self._sound_told = True
            self.tell(message, title="Sound", timeout=8)

    # --- notices and the run screen --------------------------------------------------------
    # Nothing covers a running session's step, target and progress: a warning that comes
    # while a run screen is open waits for its end (its status line says what matters
    # meanwhile), and one still showing when a session starts comes back after it. Errors
    # (the history cannot be written) are shown at once.

    HELD_MIN_TIMEOUT = 3.0  # shorter notices answer a key (sound on/off) and are not held

    def _session_open(self) -> bool:
        return any(_running_screen(s) is not None for s in self.screen_stack)

    def tell(
        self, message: str, *, title: str = "", severity: str = "warning", timeout: float = 10
    ) -> None:
        """A problem notice: now, or after the session that is running."""
        if severity != "error" and self._session_open():
            self._held.append((message, title, severity, timeout))
        else:
            self.notify(message, title=title, severity=severity, timeout=timeout)  # type: ignore[arg-type]

    def hold_notices(self) -> None:
        """A session starts: the notices on screen step aside until it ends."""
        showing = [
            n
            for n in textual_patches.notices_showing(self)
            if n.timeout >= self.HELD_MIN_TIMEOUT and n.severity != "error"
        ]
        for n in showing:
            self._held.append((n.message, n.title, n.severity, n.timeout))
            textual_patches.withdraw_notice(self, n)

    def after_session(self) -> None:
        """A run screen closed: the notices held back during the session are shown now."""
        held, self._held = self._held, []
        for message, title, severity, timeout in held:
            self.notify(message, title=title, severity=severity, timeout=timeout)  # type: ignore[arg-type]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification is plain text, whatever the caller asks: messages quote names,
        keys and values from the user's files, and markup in them would be applied as styles
        or click actions (`[@click=app.quit]`), or fail to render at all (`[/]`)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def report(self, message: str, severity: str = "warning") -> None:
        """Problems go to the screen (after a running session) and the log file, never to
        stderr under the app."""
        log.warning(message)
        self.tell(message, severity=severity, timeout=10)

    def _install_signal_handlers(self) -> None:
        """SIGTERM ends a session as aborted, SIGHUP (terminal closed) as interrupted; SIGCONT
        resumes the terminal only if the app suspended it."""
        import asyncio

        try:
            loop = asyncio.get_running_loop()
            loop.add_signal_handler(signal.SIGTERM, self._on_signal, "aborted")
            loop.add_signal_handler(signal.SIGHUP, self._on_signal, "interrupted")
            loop.add_signal_handler(signal.SIGCONT, self._on_continue)
        except (NotImplementedError, RuntimeError, ValueError):
            pass

    def _on_continue(self) -> None:
        """After Ctrl+Z (SIGTSTP) Textual's driver suspended the terminal and resumes it here.

        After a plain SIGSTOP (a debugger, a job-control tool, a machine out of memory)
        nothing was suspended, yet Textual resumed anyway: every stop and continue started
        another pair of terminal threads, and the app then hung for good when it quit. The
        timer catches up by itself; the screen only needs drawing again."""
        from speedtimer.tui.textual_patches import sigcont

        if not sigcont.resume_if_suspended(self):  # after the app's own Ctrl+Z: as Textual does
            self.refresh(layout=True, repaint=True)

    def _on_signal(self, status: str) -> None:
        for screen in self.screen_stack:
            running = _running_screen(screen)
            if running is not None and not running.session.timer.done:
                running.session.abort(status)
        self.exit(return_code=0)

    # --- actions ---------------------------------------------------------------------------

    def start_session(self, preset: Preset, choice: StartChoice | None = None) -> RunScreen:
        from speedtimer.core.targets import choice_problem, has_symbolic_targets, session_preset
        from speedtimer.machine_sleep import KeepAwake
        from speedtimer.session import Session
        from speedtimer.tui.screens.run import RunScreen

        written = preset
        preset, race = session_preset(written, self.race, choice)
        # Said on the run screen's status line: no notice covers a running session.
        status = {}
        if problem := choice_problem(written, choice):
            status["start_with"] = problem
        if race is None and has_symbolic_targets(written) and not self._race_hint_given:
            self._race_hint_given = True  # once an app run: the runner has heard it
            status["race"] = (
                "No race set: targets from your race (5k pace, I pace) are not shown. Set one "
                f'with {RACE_KEY} in the menu, or [runner] race = "5k 19:57" in the settings.'
            )
        voice = self.voice if self.voice_on else None
        if voice is not None and voice.problem:
            self.report(voice.problem)  # once a session: the runner expects to hear it
        session = Session(
            preset,
            audio=self.audio,
            clock=self.clock,
            wall_clock=self.wall_clock,
            recorder_factory=self._recorder_factory() if self.record_history else None,
            get_ready_s=self.get_ready_s,
            muted=self.muted,
            on_silent_cue=self._silent_cue,
            voice=voice,
            voice_on=self.voice_on,
            phrases=self.settings.phrases,
            cue_seconds=self._cue_seconds,
            sleep_watch=self._sleep_watch(),
            keep_awake=KeepAwake() if self.keep_awake else None,
            race=race,
        )
        screen = RunScreen(session, status=status)
        self.push_screen(screen)
        return screen

    def start_group_session(
        self, preset: Preset, squad: Squad, choice: StartChoice | None = None
    ) -> GroupRunScreen:
        """Coach mode: the preset with the squad's athletes (today's), each on their own key
        and targets; each athlete's session saved in the history, linked by a group id."""
        from speedtimer.core.targets import session_preset
        from speedtimer.group_session import GroupShell, runners_for
        from speedtimer.machine_sleep import KeepAwake
        from speedtimer.tui.screens.group_run import GroupRunScreen

        preset, _ = session_preset(preset, None, choice)  # absolute targets; races per athlete
        voice = self.voice if self.voice_on else None  # cues and the voice as in a solo run
        if voice is not None and voice.problem:
            self.report(voice.problem)
        session = GroupShell(
            preset,
            runners_for(preset, squad.athletes, choice),
            athlete_recorders=self._recorder_factory() if self.record_history else None,
            squad=squad.name,
            speak_marks=self.speak_marks,
            audio=self.audio,
            clock=self.clock,
            wall_clock=self.wall_clock,
            get_ready_s=self.get_ready_s,
            muted=self.muted,
            on_silent_cue=self._silent_cue,
            voice=voice,
            voice_on=self.voice_on,
            phrases=self.settings.phrases,
            cue_seconds=self._cue_seconds,
            sleep_watch=self._sleep_watch(),
            keep_awake=KeepAwake() if self.keep_awake else None,
        )
        screen = GroupRunScreen(session)
        self.push_screen(screen)
        return screen

    def _sleep_watch(self) -> SleepWatch | None:
        from speedtimer.machine_sleep import SleepWatch

        if self.sleep_clock is None and self.clock is not time.monotonic:
            return None  # a test's clock: its sleeps are simulated with a sleep clock
        return SleepWatch(self.clock, self.sleep_clock)

    def _recorder_factory(self):
        from speedtimer.history.recorder import SessionRecorder

        def factory(*, preset: Preset, schedule, started_wall, started_mono, race=None, **coach):
            """`coach`: athlete, squad and group_id of one athlete's session in coach mode."""
            toml_text = ""
            if preset.source is not None:
                try:
                    toml_text = preset.source.read_text(encoding="utf-8")
                except OSError:
                    toml_text = ""
            return SessionRecorder(
                self.paths.history_db,
                preset_name=preset.name,
                preset_toml=toml_text,
                schedule=schedule,
                started_wall=started_wall,
                started_mono=started_mono,
                on_problem=self._from_any_thread(self._show_history_problem),
                background=True,  # a locked database must never stop the countdown
                spare_pending_dir=self.paths.spare_pending_dir,
                race=race.text if race is not None else "",
                vdot=round(race.vdot, 2) if race is not None else None,
                **coach,
            )

        return factory

    def _silent_cue(self, cue: str) -> None:
        self.bell()
        running = _running_screen(self.screen)
        if running is not None:
            running.flash()

    def session_running(self) -> bool:
        """A session is on the screen stack and not over yet."""
        for screen in self.screen_stack:
            running = _running_screen(screen)
            if running is not None and not running.session.timer.done:
                return True
        return False

    def set_race(self, race: Race | None) -> None:
        """The runner's race for this and later runs: kept in the settings file."""
        from speedtimer.formats.preset_save import SaveError
        from speedtimer.formats.runner_race import save_race

        self.race = race
        try:
            save_race(self.paths.settings_file, race.text if race is not None else "")
        except SaveError as exc:
            self.report(f"{exc}; the race applies until you quit")
        else:
            if race is None:
                self.notify("No race set: race-derived targets are not shown", title="Race")
            else:
                self.notify(
                    f"Race {race.text}: VDOT {race.vdot:.1f}; saved in {self.paths.settings_file}",
                    title="Race",
                )
        for screen in self.screen_stack:
            if isinstance(screen, MenuScreen):
                screen.race_changed()

    def action_history(self) -> None:
        from speedtimer.tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(self.paths))

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        if not self.session_running():
            # Not over a running session: its end closes everything above the run screen.
            yield SystemCommand("History", "Review past sessions and trends", self.action_history)
        if isinstance(screen, MenuScreen):
            yield SystemCommand(
                "Set my race",
                "Your recent race (5k 19:57): targets like 5k pace or I pace come from it",
                screen.action_set_race,
            )
            yield from preset_commands(screen)

    async def action_quit(self) -> None:
        """A preset being edited is never dropped silently: the editor asks first."""
        from speedtimer.tui.screens.editor import EditorScreen

        editors = [s for s in self.screen_stack if isinstance(s, EditorScreen) and s.dirty]
        if not editors:
            self.exit()
        elif self.screen is editors[-1]:
            editors[-1].request_leave(quit_app=True)
        else:
            self.notify("Answer the open question first: a preset has unsaved changes.")

    def on_unmount(self) -> None:
        if self._voice is not None:
            self._voice.close()
        if self._audio is not None:
            self._audio.close()
        if "speedtimer.history.recorder" in sys.modules:  # a session ran: its writes land first
            # imported, not looked up: another thread may be importing it right now
            from speedtimer.history.recorder import flush_all

            flush_all(timeout=EXIT_FLUSH_S)


def preset_commands(menu: MenuScreen):
    """The menu's preset keys in the command palette, only those that apply to the selection."""
    entry = menu.selected()
    name = getattr(entry, "name", "")
    yield SystemCommand("New preset", "Write a new preset in the editor", menu.action_new_preset)
    yield SystemCommand(
        "Squads", "Coach mode: make squads, add athletes, set races and keys", menu.action_squads
    )
    if isinstance(entry, Preset):
        yield SystemCommand(
            "Start with…",
            f"Start {name!r} with another race, or one pace or rep time for every work rep",
            menu.action_start_with,
        )
        yield SystemCommand(
            "Run with a squad…",
            f"Coach mode: time a squad on {name!r}, one key per athlete",
            menu.action_group_start,
        )
    if menu.check_action("edit_preset", ()):
        yield SystemCommand("Edit preset", f"Change {name!r}", menu.action_edit_preset)
    if menu.check_action("duplicate_preset", ()):
        yield SystemCommand(
            "Duplicate preset", f"A copy of {name!r} to change", menu.action_duplicate_preset
        )
    if menu.check_action("delete_preset", ()):
        yield SystemCommand("Delete preset", f"Remove {name!r}'s file", menu.action_delete_preset)


class QuietFileHandler(logging.FileHandler):
    """A log file that cannot be written (disk full, gone) drops the line: logging's own
    "--- Logging error ---" report would go to stderr, across the app's drawing."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass


def _setup_logging(paths: Paths) -> None:
    """Everything that would go to stderr goes to the log file instead."""
    try:
        paths.data_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = QuietFileHandler(paths.log_file, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("speedtimer")
    if not root.handlers:
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def make_app(
    paths: Paths,
    *,
    mute: bool | None = None,
    voice: bool | None = None,
    get_ready_s: float | None = None,
    start_preset: Preset | None = None,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], datetime] | None = None,
    audio: Audio | None = None,
    settings: Settings | None = None,
    record_history: bool = True,
    sleep_clock: Callable[[], float] | None = None,
    race: Race | None = None,
    start_choice: StartChoice | None = None,
    start_squad: Squad | None = None,
) -> SpeedTimerApp:
    """`mute`/`voice`/`get_ready_s` None: the settings file decides. `settings` None: they are read
    from the file, which is first created, commented, if it does not exist yet."""
    problems: list[str] = []
    new_file = False
    if settings is None:
        # No file yet (a first run): the defaults apply, and the commented file is written
        # after the first frame, since listing its key bindings imports every screen.
        new_file = not paths.settings_file.exists()
        settings, problems = load_settings(paths.settings_file)
    _setup_logging(paths)
    return SpeedTimerApp(
        paths,
        settings=settings,
        settings_problems=problems,
        clock=clock,
        wall_clock=wall_clock or (lambda: datetime.now(UTC)),
        audio=audio,
        mute=mute,
        voice=voice,
        get_ready_s=get_ready_s,
        start_preset=start_preset,
        record_history=record_history,
        sleep_clock=sleep_clock,
        race=race,
        start_choice=start_choice,
        start_squad=start_squad,
        write_settings_file=new_file,
    )


__all__ = ["SpeedTimerApp", "make_app"]
