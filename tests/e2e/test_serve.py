"""`speedtimer serve` as a person uses it: a real server process, real HTTP, and a real
headless Chromium (Debian's) that loads the page, reads the terminal it draws, types keys and
watches the countdown run on the real clock.

The screen is read from xterm.js's own buffer (what the page's canvas is drawn from), reached by
a hook that keeps the Terminal object textual-serve's page creates; a screenshot of the page is
kept in test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import queue
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from speedtimer.cli.main import build_parser
from speedtimer.cli.serve import served_command
from tests.conftest import REPO
from tests.e2e.test_e2e_tmux import read_big_clock

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags that make Debian's chromium run headless as root on these machines.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PRESET = """
name = "Browser trial"
category = "strides"
tags = ["browseronly"]
countdown = 0

[[steps]]
kind = "work"
duration = 20
label = "Sprint"

[[steps]]
kind = "rest"
duration = 5
label = "Walk"
"""


class Served:
    """A `speedtimer serve` process; its output is read as it comes, by a thread."""

    def __init__(self, tmp_path: Path, *serve_args: str, global_args: tuple[str, ...] = ()):
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        (home / ".asoundrc").write_text("pcm.!default { type null }\n")  # no sound notice
        self.data = tmp_path / "data"
        self.presets = tmp_path / "presets"
        self.presets.mkdir(exist_ok=True)
        (self.presets / "trial.toml").write_text(PRESET)
        env = {**os.environ, "HOME": str(home)}
        argv = [sys.executable, "-m", "speedtimer", "--data-dir", str(self.data)]
        argv += ["--config-dir", str(tmp_path / "config"), "--presets-dir", str(self.presets)]
        self.proc = subprocess.Popen(
            [*argv, *global_args, "serve", *serve_args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
            start_new_session=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stdout: list[str] = []
        self.stopped: tuple[int | None, str] | None = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def read_until(self, pattern: str, timeout: float = 20) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.stdout.append(line)
            if m := re.match(pattern, line):
                return m
        raise AssertionError(f"{pattern!r} not printed; stdout {self.stdout}, stderr {self.stop()}")

    def url(self) -> str:
        """The first address the server prints."""
        return self.read_until(r"\s+(http://\S+)").group(1)

    def stop(self) -> tuple[int | None, str]:
        """Ctrl+C, as a person stops it; returns the exit code and stderr."""
        if self.stopped is not None:
            return self.stopped
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        with contextlib.suppress(ProcessLookupError):  # an app or sound helper left behind
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.stopped = self.proc.returncode, self.proc.stderr.read()
        return self.stopped


@pytest.fixture
def served(tmp_path):
    started: list[Served] = []

    def start(*serve_args: str, global_args: tuple[str, ...] = ()) -> Served:
        s = Served(tmp_path, *serve_args, global_args=global_args)
        started.append(s)
        return s

    yield start
    for s in started:
        code, stderr = s.stop()
        log = s.data / "speedtimer.log"  # shown by pytest only when the test fails
        print(f"server exit {code}; stderr:\n{stderr}\napp log:")
        print(log.read_text() if log.exists() else "(none)")


def get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


# --- the command ---------------------------------------------------------------------------


def test_the_served_command_is_this_install_with_the_global_options(tmp_path):
    args = build_parser().parse_args(
        ["--data-dir", "d", "--config-dir", str(tmp_path / "c"), "--presets-dir", "p1"]
        + ["--presets-dir", "p2", "--get-ready", "3", "serve"]
    )
    command = served_command(args)
    assert command.startswith(f"{sys.executable} -m speedtimer ")
    assert f"--data-dir {Path('d').resolve()}" in command
    assert f"--config-dir {tmp_path / 'c'}" in command
    assert f"--presets-dir {Path('p1').resolve()} --presets-dir {Path('p2').resolve()}" in command
    assert "--get-ready 3" in command and command.split()[-3] == "--mute"
    # Sound plays on the server, so it is off unless asked for.
    unmuted = served_command(build_parser().parse_args(["--no-mute", "serve"]))
    assert unmuted.endswith("-m speedtimer --no-mute")


def test_every_global_option_reaches_the_served_app():
    """A global option added later and not passed on to the served app fails here."""
    parser = build_parser()
    flags, argv = [], []
    for action in parser._actions:  # the long form: --no-mute rather than --mute
        flag = max(action.option_strings, key=len, default="")
        if flag and flag not in ("--help", "--version"):
            flags.append(flag)
            argv += [flag] if action.nargs == 0 else [flag, "3"]
    assert len(flags) >= 7
    command = served_command(parser.parse_args([*argv, "serve"])).split()
    assert [f for f in flags if f not in command] == []


def test_a_folder_with_a_space_reaches_the_served_app_whole(tmp_path):
    args = build_parser().parse_args(["--data-dir", str(tmp_path / "my data"), "serve"])
    assert f"--data-dir '{tmp_path / 'my data'}'" in served_command(args)


def test_serves_on_localhost_by_default_without_a_warning(served):
    s = served("--port", "0")
    url = s.url()
    assert re.fullmatch(r"http://localhost:\d+", url), url
    status, page = get(url + "/")
    assert status == 200
    assert "<div>speedtimer</div>" in page
    assert f'data-session-websocket-url="ws://{url.split("//")[1]}/ws"' in page
    # Fit for a phone at a track: sized to its screen, nothing fetched from the internet.
    assert '<meta name="viewport" content="width=device-width, initial-scale=1" />' in page
    assert "<title>speedtimer</title>" in page
    assert "googleapis" not in page and "https://" not in page
    font = re.search(r"url\('(http://[^']+\.ttf)'\)", page).group(1)
    status, _ = get(font)
    assert status == 200
    code, stderr = s.stop()
    assert code == 0, stderr
    assert "warning" not in stderr and "Traceback" not in stderr


def test_the_page_links_follow_the_address_the_browser_used(served):
    url = served("--port", "0").url()
    port = url.rsplit(":", 1)[1]
    for name in ("127.0.0.1", "[::1]"):  # localhost was printed; these are this machine too
        status, page = get(url + "/", headers={"Host": f"{name}:{port}"})
        assert status == 200
        assert f'data-session-websocket-url="ws://{name}:{port}/ws"' in page
        assert f'src="http://{name}:{port}/static/js/textual.js"' in page


def test_another_web_site_cannot_open_the_timer_s_websocket(served):
    url = served("--port", "0").url()
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    status, body = get(url + "/ws", headers={**upgrade, "Origin": "http://evil.example"})
    assert status == 403 and "another site" in body


def test_listening_on_every_address_warns_and_serves(served):
    s = served("--host", "0.0.0.0", "--port", "0")
    s.read_until(r"speedtimer is served")
    printed = []
    while not printed or "localhost" not in printed[-1]:
        printed.append(s.read_until(r"\s+(http://\S+)").group(1))
    port, token = re.fullmatch(r"http://localhost:(\d+)/\?token=(\S+)", printed[-1]).groups()
    # This machine's own addresses first (the one on the phone's Wi-Fi among them), then this
    # machine itself, each with the token. Only loopback is fetched: the test sends nothing
    # onto a network.
    for url in printed[:-1]:
        host = re.fullmatch(rf"http://(\S+):{port}/\?token={token}", url).group(1).strip("[]")
        assert not ipaddress.ip_address(host).is_loopback, printed
    status, page = get(f"http://127.0.0.1:{port}/?token={token}")
    assert status == 200 and "<div>speedtimer</div>" in page
    code, stderr = s.stop()
    assert code == 0
    warning = [line for line in stderr.splitlines() if "warning" in line]
    assert len(warning) == 1, stderr
    assert "0.0.0.0" in warning[0] and "anyone on this network who has the address" in warning[0]


def test_a_port_in_use_is_one_clear_line(tmp_path):
    with socket.create_server(("localhost", 0)) as taken:
        port = taken.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "speedtimer", "--data-dir", str(tmp_path / "d")]
            + ["--config-dir", str(tmp_path / "c"), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"speedtimer serve: port {port} on localhost is in use (another server, or speedtimer "
        "serve already running?); choose another with --port"
    ]
    assert out.stdout == ""


def test_an_address_this_machine_does_not_have_is_one_clear_line(tmp_path):
    out = subprocess.run(  # TEST-NET-3: documentation only, never on a machine
        [sys.executable, "-m", "speedtimer", "--data-dir", str(tmp_path / "d")]
        + ["--config-dir", str(tmp_path / "c"), "serve", "--host", "203.0.113.7"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "speedtimer serve: cannot listen on 203.0.113.7 port 8000: Cannot assign requested address"
    ]


def test_a_bad_port_is_refused_by_the_parser(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "speedtimer", "serve", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert "a port is 0 to 65535, got 70000" in out.stderr


# --- in a real browser ---------------------------------------------------------------------

# Keeps the xterm.js Terminal that textual-serve's page makes (`this.terminal = new Terminal`),
# so the test reads the very buffer the canvas is drawn from.
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    if (value && value.buffer && value.buffer.active) window.__speedtimerTerminal = value;
  },
});
"""
READ_SCREEN = """() => {
  const term = window.__speedtimerTerminal;
  if (!term) return null;
  const lines = [];
  const buffer = term.buffer.active;
  for (let y = 0; y < term.rows; y++) lines.push(buffer.getLine(y).translateToString(true));
  return lines.join("\\n");
}"""


class Page:
    """A browser tab on the served timer; the screen is read from the terminal's buffer."""

    def __init__(self, page, *, touch: bool = False) -> None:
        self.page = page
        self.touch = touch

    def screen(self) -> str:
        return self.page.evaluate(READ_SCREEN) or ""

    def wait_for(self, text: str, gone: str | None = None, timeout: float = 15) -> str:
        """The screen once it shows `text` (and no longer shows `gone`)."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen and (gone is None or gone not in screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(
            f"{text!r} never appeared (or {gone!r} never went) in the browser; screen was:\n"
            + screen
        )

    def terminal_box(self) -> dict:
        box = self.page.locator(".xterm-screen").bounding_box()
        box["cols"], box["rows"] = self.page.evaluate(
            "() => [window.__speedtimerTerminal.cols, window.__speedtimerTerminal.rows]"
        )
        return box

    def tap(self, text: str) -> None:
        """A tap (a click without a touch screen) on the middle of `text` once it is shown."""
        lines = self.wait_for(text).splitlines()
        row = next(i for i, line in enumerate(lines) if text in line)
        col = lines[row].index(text) + len(text) / 2
        box = self.terminal_box()
        x = box["x"] + col * box["width"] / box["cols"]
        y = box["y"] + (row + 0.5) * box["height"] / box["rows"]
        if self.touch:
            self.page.touchscreen.tap(x, y)
        else:
            self.page.mouse.click(x, y)

    def clock_readings(self, drop: int, timeout: float = 20) -> list[int]:
        """The big clock in seconds left, read several times a second until it has counted
        down by `drop` seconds (on a busy machine that may take longer than `drop`)."""
        readings: list[int] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (readings and readings[0] - readings[-1] >= drop):
            value = read_big_clock(self.screen())
            if value is not None:
                m, sec = value.split(":")
                readings.append(int(m) * 60 + int(sec))
            time.sleep(0.2)
        return readings


@pytest.fixture
def browser(tmp_path):
    """Opens the served timer in Debian's chromium, headless, with a new empty profile."""
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("chromium is not installed (scripts/setup.sh --dev installs it, as root)")
    assert CHROMIUM, "on CI scripts/setup.sh --dev must have installed chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        contexts = []

        def open_page(url: str, **options) -> Page:
            context = pw.chromium.launch_persistent_context(
                str(tmp_path / f"chromium-profile-{len(contexts)}"),
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_FLAGS,
                **options,
            )
            contexts.append(context)
            page = context.pages[0] if context.pages else context.new_page()
            # Nothing but this machine: the test sends nothing onto a network.
            page.route(re.compile(r"^https?://(?!localhost)"), lambda route: route.abort())
            page.add_init_script(KEEP_TERMINAL)
            page.goto(url + "/", wait_until="domcontentloaded")
            return Page(page, touch=bool(options.get("has_touch")))

        yield open_page
        for context in contexts:
            context.close()


def is_png(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header; raises if it is not one."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    page.page.screenshot(path=str(shot))
    return shot


def test_the_timer_in_a_real_browser(served, browser):
    s = served("--port", "0", global_args=("--get-ready", "2"))
    page = browser(s.url(), viewport={"width": 1000, "height": 700})

    page.wait_for("Type to filter", timeout=30)
    # The menu fills as the folders are read (no index yet), the bundled folder first: a menu
    # with Tabata may not list the --presets-dir preset yet. Both must come.
    page.wait_for("Tabata")
    page.wait_for("Browser trial")
    page.page.focus(".xterm-helper-textarea")
    page.page.keyboard.type("browseronly")
    page.wait_for("Browser trial  (0:25)", gone="Tabata")
    page.page.keyboard.press("Enter")
    page.wait_for("GET READY")
    run = page.wait_for("WORK", timeout=30)
    assert "Sprint" in run and "Next: Walk" in run

    readings = page.clock_readings(2)
    assert readings, page.screen()
    assert readings == sorted(readings, reverse=True), readings
    assert readings[0] <= 20 and readings[0] - readings[-1] >= 2, readings
    shot = screenshot(page, "serve-browser-run.png")

    page.tap("space Pause")
    paused = read_big_clock(page.wait_for("Resume", gone=" Pause "))
    assert "PAUSED" in page.screen()
    time.sleep(1.5)
    assert read_big_clock(page.screen()) == paused
    page.tap("space Resume")
    page.wait_for(" Pause ", gone="PAUSED")

    assert is_png(shot) == (1000, 700)
    assert shot.stat().st_size > 10_000  # the big red clock, not an empty page
    with sqlite3.connect(s.data / "history.sqlite3") as db:  # the served app's own folders
        names = [row[0] for row in db.execute("SELECT preset_name FROM sessions")]
    assert names == ["Browser trial"]
    page.page.context.close()
    # Closing the tab ends its app and sound helper: nothing is left running on the server.
    server = psutil.Process(s.proc.pid)
    deadline = time.monotonic() + 15
    while server.children(recursive=True) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert server.children(recursive=True) == []
    code, stderr = s.stop()
    assert code == 0 and "Traceback" not in stderr, stderr


def test_a_phone_shows_the_whole_timer_and_drives_it_by_touch(served, browser):
    """A phone held sideways: no keyboard, only taps on what the screen shows."""
    s = served("--port", "0", global_args=("--get-ready", "1"))
    page = browser(s.url(), viewport={"width": 844, "height": 390}, is_mobile=True, has_touch=True)
    page.wait_for("Type to filter", timeout=30)
    box = page.terminal_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 844 and box["height"] <= 390, box
    assert box["cols"] >= 80 and box["rows"] >= 16, box  # fitted to the phone's screen
    page.tap("Type to filter")  # on a phone its keyboard comes up
    page.page.keyboard.type("browseronly")
    page.wait_for("Sprint 0:20", gone="Tabata")  # only it is left, its details beside it
    page.tap("Browser trial  (0:25)")  # a tap on the preset in the list starts it
    page.wait_for("WORK", timeout=30)
    readings = page.clock_readings(1)
    assert readings and readings[0] - readings[-1] >= 1, readings
    shot = screenshot(page, "serve-phone-run.png")
    assert is_png(shot) == (844, 390)
    page.tap("n Next")  # the footer key, not the "Next: Walk" line
    page.wait_for("REST")
