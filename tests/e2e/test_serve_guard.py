# ruff: noqa: F811 - `served` is the fixture from e2e/test_serve
"""`speedtimer serve` attacked from outside: forged Host headers (DNS rebinding), requests
without the token, windows no screen shows, more tabs than the machine can run, and browsers
that vanish mid-session. Real server processes on 127.0.0.1, raw HTTP and websocket requests
(aiohttp's client), the apps' real processes watched through psutil and the history's real
SQLite file; only loopback is ever contacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import aiohttp
import psutil
import pytest

from speedtimer.cli.serve import MAX_COLUMNS, MAX_ROWS, bounded_size, host_name
from tests.e2e.test_serve import Served, browser, get, served  # noqa: F401 - fixtures, used by name
from tests.reliability import tried

UPGRADE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def port_of(url: str) -> int:
    return int(re.search(r":(\d+)", url.removeprefix("http://")).group(1))


def apps(server: Served) -> list[psutil.Process]:
    """The timer apps the server runs (one per browser tab); not their sound helpers."""
    found = []
    for child in psutil.Process(server.proc.pid).children():
        with contextlib.suppress(psutil.Error):
            if "speedtimer" in " ".join(child.cmdline()):
                found.append(child)
    return found


def wait_until(condition, timeout: float, what: str) -> float:
    """Seconds it took for `condition()` to hold; fails after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {timeout} s")


def tree_gone(procs: list[psutil.Process]) -> bool:
    return not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in procs)


class Tab:
    """A browser tab without the browser: textual-serve's websocket protocol by hand."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.screen = bytearray()

    async def read_until(self, text: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} never came; got {bytes(self.screen[-400:])!r}")
            try:
                msg = await self.ws.receive(timeout=left)
            except TimeoutError:
                raise AssertionError(f"{text!r} never came") from None
            if msg.type == aiohttp.WSMsgType.BINARY:
                self.screen += msg.data
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                raise AssertionError(f"closed before {text!r} came")

    async def keys(self, text: str) -> None:
        await self.ws.send_json(["stdin", text])


async def open_tab(
    session: aiohttp.ClientSession, base: str, query: str = "", **headers: str
) -> Tab:
    ws = await session.ws_connect(f"{base}/ws{query}", headers=headers, heartbeat=None)
    return Tab(ws)


def status_of(db) -> list[str]:
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(db)) as c:
        try:
            return [r[0] for r in c.execute("SELECT status FROM sessions ORDER BY id")]
        except sqlite3.OperationalError:  # the app is creating it
            return []


# --- point 1: the names the server answers to -----------------------------------------------

FORGED_HOSTS = [
    "evil.example:{port}",  # DNS rebinding: the attacker's name, resolved to 127.0.0.1
    "evil.example",
    "localhost.evil.example:{port}",
    "127.0.0.1.nip.io:{port}",
    "[::2]:{port}",
    "127.0.0.2:{port}",
    "0.0.0.0:{port}",
    "localhost:{port}@evil.example",
    "localhost:1{port}",
    'a"><script>alert(1)</script>',
    '127.0.0.1:{port}"><script>alert(1)</script>',
    "",
]
OWN_HOSTS = [
    "localhost:{port}",
    "LOCALHOST.:{port}",
    "127.0.0.1:{port}",
    "[::1]:{port}",
    "localhost",
]


@tried(
    "serve",
    "Host headers forged as by DNS rebinding (an attacker's name resolving to 127.0.0.1, "
    "Origin set to match), look-alikes (localhost.evil.example, 127.0.0.1.nip.io, [::2], "
    '0.0.0.0), markup in Host (a"><script>), an empty Host; on the page, the websocket and '
    "the static files",
    "every forged one refused with 403 and no app started; the page never holds the Host "
    "text unescaped; localhost, 127.0.0.1 and [::1] served; ?fontsize= held to 6 to 48",
    cases=len(FORGED_HOSTS) * 3 + len(OWN_HOSTS),
)
def test_the_server_answers_only_to_its_own_names(served):
    s = served("--port", "0")
    url = s.url()
    port = port_of(url)
    base = f"http://127.0.0.1:{port}"
    for forged in FORGED_HOSTS:
        host = forged.format(port=port)
        origin = {"Origin": f"http://{host}"}
        for path, headers in (
            ("/", {}),
            ("/ws", {**UPGRADE, **origin}),
            ("/static/js/textual.js", {}),
        ):
            status, body = get(base + path, headers={**headers, "Host": host})
            assert status == 403, (host, path, status)
            assert "<script>" not in body
    assert apps(s) == []
    for asked, given in (("99999999", 48), ("-3", 6), ("1e9", 16), ("12", 12)):
        page = get(f"{url}/?fontsize={asked}")[1]
        assert f'data-font-size="{given}"' in page, asked
    for own in OWN_HOSTS:
        status, page = get(base + "/", headers={"Host": own.format(port=port)})
        assert status == 200 and "<div>speedtimer</div>" in page, own
    code, stderr = s.stop()
    assert code == 0 and "Traceback" not in stderr, stderr


def test_host_names_are_read_as_a_browser_writes_them():
    assert host_name("LocalHost.:8000") == "localhost"
    assert host_name("[::1]:8000") == "::1"
    assert host_name("[0:0:0:0:0:0:0:1]") == "::1"
    assert host_name("127.0.0.1") == "127.0.0.1"
    assert host_name("evil.example:8000") == "evil.example"
    assert host_name("localhost:8000", 8000) == "localhost"
    assert host_name("localhost:8001", 8000) is None
    for odd in ("localhost:80@evil.example", "a b", "[::1", "[evil]", "x:y", "", ":80", "a/b"):
        assert host_name(odd) is None, odd


def test_listening_on_every_address_answers_to_this_machine_s_addresses_only(served):
    """The addresses are only named in the Host header: the request itself goes to 127.0.0.1."""
    s = served("--host", "0.0.0.0", "--port", "0")
    printed = []
    while not printed or "localhost" not in printed[-1]:
        printed.append(s.read_until(r"\s+(http://\S+)").group(1))
    token = printed[-1].split("?token=")[1]
    port = port_of(printed[-1])
    for url in printed:
        host = re.match(r"http://([^/]+)/", url).group(1)
        status, _ = get(f"http://127.0.0.1:{port}/?token={token}", headers={"Host": host})
        assert status == 200, url
    status, _ = get(
        f"http://127.0.0.1:{port}/?token={token}", headers={"Host": f"evil.example:{port}"}
    )
    assert status == 403


# --- point 2: the token -----------------------------------------------------------------------


async def _token_checks(port: int, token: str) -> dict:
    base = f"http://127.0.0.1:{port}"
    out: dict = {}
    async with aiohttp.ClientSession() as anon:
        for path in ("/", "/?token=", "/?token=wrong-token-123", "/static/js/textual.js"):
            async with anon.get(base + path) as r:
                out[path] = (r.status, await r.text())
        for query in ("", "?token=wrong-token-123"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await anon.ws_connect(f"{base}/ws{query}")
            out[f"/ws{query}"] = refused.value.status
        out["cookies after refusals"] = len(anon.cookie_jar)
    jar = aiohttp.CookieJar(unsafe=True)  # keeps cookies for an address, as browsers do
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        async with browser.get(f"{base}/?token={token}&fontsize=12") as r:
            out["first visit"] = r.status
            out["set-cookie"] = r.headers.get("Set-Cookie", "")
        async with browser.get(base + "/") as r:  # later visits: no token in the address
            out["second visit"] = r.status
        tab = Tab(await browser.ws_connect(f"{base}/ws?width=100&height=30"))
        await tab.read_until(b"filter")
        out["app"] = "menu shown"
        await tab.ws.close()
    return out


@tried(
    "serve",
    "serve on every address (0.0.0.0): page, websocket and static files without the token, "
    "with an empty or a wrong one, then the printed address with it",
    "refused with 403 and a page saying to open the printed address; with the token the page "
    "sets an HttpOnly SameSite=Strict cookie and the websocket runs the app on the cookie alone",
    cases=7,
)
def test_beyond_this_machine_the_timer_asks_for_its_token(served):
    s = served("--host", "0.0.0.0", "--port", "0")
    url = s.url()
    token = re.search(r"\?token=([A-Za-z0-9_-]{32})$", url).group(1)
    out = asyncio.run(_token_checks(port_of(url), token))
    for path in ("/", "/?token=", "/?token=wrong-token-123"):
        status, page = out[path]
        assert status == 403 and "the token is missing" in page, path
        assert "?token=..." in page and "<div>speedtimer</div>" not in page
    assert out["/static/js/textual.js"][0] == 403
    assert out["/ws"] == 403 and out["/ws?token=wrong-token-123"] == 403
    assert out["cookies after refusals"] == 0
    assert out["first visit"] == 200 and out["second visit"] == 200
    cookie = out["set-cookie"]
    assert cookie.startswith(f"speedtimer-token-{port_of(url)}={token};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert out["app"] == "menu shown"


def test_a_token_can_be_given_and_loopback_needs_none(served, tmp_path):
    s = served("--host", "0.0.0.0", "--port", "0", "--token", "my-own-token-42")
    url = s.url()
    assert url.endswith("/?token=my-own-token-42")
    base = f"http://127.0.0.1:{port_of(url)}"
    assert get(base + "/")[0] == 403
    assert get(base + "/?token=my-own-token-42")[0] == 200
    s.stop()
    local = served("--port", "0")  # this machine only: no token, nothing asked
    url = local.url()
    assert "token" not in url
    status, page = get(url + "/")
    assert status == 200 and "<div>speedtimer</div>" in page
    for bad in ("short", "has space 12345", "a" * 201, "bad/slash12"):
        out = subprocess.run(
            [sys.executable, "-m", "speedtimer", "serve", "--host", "0.0.0.0", "--token", bad],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 2 and "a token is 8 to 200 letters" in out.stderr, bad


# --- point 3: limits ------------------------------------------------------------------------

HUGE_SIZES = [
    ("5000", "5000"),
    ("99999999999999999999", "3"),
    ("-5", "0"),
    ("1e308", "nan"),
    ("80", ""),
]


def test_window_sizes_are_held_to_what_a_screen_shows():
    assert bounded_size(5000, 5000) == (MAX_COLUMNS, MAX_ROWS)
    assert bounded_size("120", "40") == (120, 40)
    assert bounded_size(-3, 0) == (1, 1)
    assert bounded_size(None, "x") == (80, 24)
    assert bounded_size(True, 1e400) == (80, 24)
    assert bounded_size(10**400, 2.7) == (MAX_COLUMNS, 2)


async def _huge_windows(port: int, server: Served) -> dict:
    base = f"http://127.0.0.1:{port}"
    seen: dict = {}
    async with aiohttp.ClientSession() as session:
        for width, height in HUGE_SIZES:
            tab = await open_tab(session, base, f"?width={width}&height={height}")
            await tab.read_until(b"\x1b]22;default")  # the app runs (too small for the menu)
            (app,) = apps(server)
            env = app.environ()
            seen[(width, height)] = (env["COLUMNS"], env["ROWS"])
            if width == "5000":  # then resize messages as big, and malformed ones
                for message in (
                    ["resize", {"width": 5000, "height": 5000}],
                    ["resize", {"width": "5000", "height": 1e308}],
                    ["resize", {"width": None}],
                    ["resize", "big"],
                    ["resize"],
                    ["stdin", 5],
                    {"resize": 1},
                    "not even a list",
                ):
                    await tab.ws.send_json(message)
                # Still alive after them all: it filters by what is typed. Not an "x" drawn:
                # the menu's first frame may come now, and it is full of them ("10 x 1 min").
                tab.screen.clear()
                await tab.keys("zqzq")
                await tab.read_until(b"No preset matches the filter.")
                await asyncio.sleep(2)  # the big window drawn, as big as it gets
                seen["rss"] = app.memory_info().rss
            await tab.ws.close()
            wait_until(lambda a=app: tree_gone([a]), 15, "app ended")
    return seen


@tried(
    "serve",
    "window sizes from the query (5000 x 5000, 20 digits, negative, 0, 1e308, nan, empty) and "
    "resize messages as big or malformed (strings, null, missing fields, not a list)",
    f"held to {MAX_COLUMNS} x {MAX_ROWS} cells at most and 1 x 1 at least; bad messages "
    "dropped, the app kept running; an app at the largest size measured 46 MB (under 150 MB "
    "checked; it grew to 337 MB at 5000 x 5000)",
    cases=len(HUGE_SIZES) + 8,
)
def test_a_huge_window_cannot_grow_an_app(served):
    s = served("--port", "0")
    seen = asyncio.run(_huge_windows(port_of(s.url()), s))
    assert seen[("5000", "5000")] == (str(MAX_COLUMNS), str(MAX_ROWS))
    assert seen[("99999999999999999999", "3")] == (str(MAX_COLUMNS), "3")
    assert seen[("-5", "0")] == ("1", "1")
    assert seen[("1e308", "nan")] == ("80", "24")
    assert seen[("80", "")] == ("80", "24")
    print(f"RSS of the app at {MAX_COLUMNS} x {MAX_ROWS}: {seen['rss'] / 2**20:.0f} MB")
    assert seen["rss"] < 150 * 2**20, seen["rss"]


async def _crowd(port: int, server: Served, tabs: int) -> dict:
    base = f"http://127.0.0.1:{port}"
    out: dict = {}
    async with aiohttp.ClientSession() as session:

        async def one():
            try:
                tab = await open_tab(session, base)
                await tab.read_until(b"filter")
                return tab
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status

        results = await asyncio.gather(*(one() for _ in range(tabs)))  # all at once
        kept = [r for r in results if isinstance(r, Tab)]
        out["refused"] = sorted(r for r in results if not isinstance(r, Tab))
        out["apps"] = len(apps(server))
        async with session.get(base + "/") as r:
            out["full page"] = (r.status, await r.text())
        await kept[0].ws.close()
        started = time.monotonic()
        while True:  # the place is free once that app has ended
            async with session.get(base + "/") as r:
                if r.status == 200:
                    break
            assert time.monotonic() - started < 15, "the place never came free"
            await asyncio.sleep(0.1)
        out["free after"] = time.monotonic() - started
        again = await open_tab(session, base)
        await again.read_until(b"filter")
        out["apps again"] = len(apps(server))
        for tab in [*kept[1:], again]:
            await tab.ws.close()
    return out


@tried(
    "serve",
    "10 tabs opened in one burst against --max-sessions 3",
    "3 apps ran, 7 websockets refused with 503, the page said every place is taken; a closed "
    "tab's place was free again after 1.3 s (under 10 s checked)",
    cases=10,
)
def test_no_more_apps_than_max_sessions(served):
    s = served("--port", "0", "--max-sessions", "3")
    out = asyncio.run(_crowd(port_of(s.url()), s, 10))
    assert out["apps"] == 3
    assert out["refused"] == [503] * 7
    status, page = out["full page"]
    assert status == 503 and "every place is taken" in page and "--max-sessions" in page
    assert out["apps again"] == 3
    print(f"a closed tab's place was free after {out['free after']:.2f} s")
    assert out["free after"] < 10


def test_the_default_cap_is_small_and_bounded(tmp_path):
    from speedtimer.cli.main import build_parser
    from speedtimer.cli.serve import DEFAULT_MAX_SESSIONS

    assert build_parser().parse_args(["serve"]).max_sessions == DEFAULT_MAX_SESSIONS <= 8
    for bad in ("0", "-1", "1000", "many"):
        out = subprocess.run(
            [sys.executable, "-m", "speedtimer", "serve", "--max-sessions", bad],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert out.returncode == 2 and "--max-sessions" in out.stderr, bad


# --- point 3: a browser that goes away --------------------------------------------------------


async def _gone_mid_session(port: int, server: Served, how: str) -> float:
    """Starts the trial preset in a tab, makes the browser go away as `how` says; returns the
    seconds until the app and everything it started had ended."""
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        tab = await open_tab(session, base, "?width=120&height=40")
        await tab.read_until(b"filter")
        await tab.keys("browseronly")
        await asyncio.sleep(1)
        await tab.keys("\r")
        deadline = time.monotonic() + 30
        while status_of(server.data / "history.sqlite3") != ["in_progress"]:
            assert time.monotonic() < deadline, "the session never started"
            await asyncio.sleep(0.1)
        (app,) = apps(server)
        tree = [app, *app.children(recursive=True)]
        if how == "wedged":  # an app that cannot answer at all (stuck, swapped out, stopped)
            app.send_signal(signal.SIGSTOP)
        if how == "not reading":  # the browser stops reading, then its connection dies
            tab.ws._response.connection.transport.pause_reading()
            for n in range(200):  # redraws the whole window again and again
                await tab.ws.send_json(["resize", {"width": 400 - n % 2, "height": 150}])
            await asyncio.sleep(3)
        started = time.monotonic()
        if how == "closed":
            await tab.ws.close()
        else:  # the connection just drops: no goodbye (a phone out of Wi-Fi range, a crash)
            sock = tab.ws._response.connection.transport.get_extra_info("socket")
            sock.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            tab.ws._response.connection.transport.abort()
    await asyncio.to_thread(wait_until, lambda: tree_gone(tree), 30, f"{how}: app ended")
    return time.monotonic() - started


@tried(
    "serve",
    "a tab closed mid-session: the websocket closed, the connection dropped without a word, "
    "the browser stopped reading while the app drew a 400 x 150 window 200 times and then "
    "dropped, and an app that cannot answer at all (SIGSTOP, as one stuck writing to a full "
    "pipe) when its tab closed",
    "each app and its sound helper ended once the browser was gone: measured 0.2 to 0.5 s (the "
    "hangup), 3.1 s for the stopped one (SIGKILL after 3 s); the session is in the history as "
    "interrupted as its app ends, not at the next start (it stayed in_progress before)",
)
@pytest.mark.parametrize("how", ["closed", "dropped", "not reading", "wedged"])
def test_an_app_whose_browser_left_ends_within_seconds(served, how):
    s = served("--port", "0", global_args=("--get-ready", "0"))
    took = asyncio.run(_gone_mid_session(port_of(s.url()), s, how))
    print(f"{how}: the app and its helpers ended {took:.2f} s after the browser left")
    assert took < 10
    # The session is closed as its app ends, not at the next start of the timer.
    db = s.data / "history.sqlite3"
    wait_until(lambda: status_of(db) == ["interrupted"], 5, f"{how}: {status_of(db)}")
    assert apps(s) == []
    code, stderr = s.stop()
    assert code == 0 and "Traceback" not in stderr, stderr


# --- point 2 in a real browser --------------------------------------------------------------


@tried(
    "serve",
    "a real Chromium on serve --host 0.0.0.0: the bare address, then the printed address with "
    "its token, then the bare address again",
    "first a page asking for the token and no app started; then the timer ran, and ran again "
    "on the bare address: the token became an HttpOnly cookie no script can read",
    cases=3,
)
def test_the_token_in_a_real_browser(served, browser):
    s = served("--host", "0.0.0.0", "--port", "0")
    printed = []
    while not printed or "localhost" not in printed[-1]:
        printed.append(s.read_until(r"\s+(http://\S+)").group(1))
    with_token = printed[-1]  # http://localhost:PORT/?token=...
    bare = with_token.split("/?token=")[0]
    page = browser(bare)  # a browser that never had the token
    page.page.wait_for_selector("h1")
    assert "the token is missing" in page.page.inner_text("h1")
    time.sleep(1)
    assert page.screen() == "" and apps(s) == []
    page.page.goto(with_token, wait_until="domcontentloaded")  # the address as printed
    page.wait_for("Type to filter", timeout=30)
    assert "token" not in page.page.evaluate("document.cookie")  # HttpOnly: no script sees it
    page.page.goto(bare + "/", wait_until="domcontentloaded")  # the cookie alone now
    page.wait_for("Type to filter", timeout=30)
    assert len(apps(s)) >= 1
    page.page.context.close()
    wait_until(lambda: apps(s) == [], 15, "the browser's apps ended")


# An app that writes its screen without end and answers neither quit nor SIGHUP: once its
# output is no longer read it blocks on the full pipe, as the served app once did for minutes.
ENDLESS_APP = r"""
import os, signal, sys
signal.signal(signal.SIGHUP, signal.SIG_IGN)
out = sys.stdout.buffer
out.write(b"__GANGLION__\n"); out.flush()
frame = b"\x1b[H" + b"x" * 60000
while True:
    out.write(b"D" + len(frame).to_bytes(4, "big") + frame); out.flush()
"""


async def _endless_app_after_its_browser_failed() -> tuple[psutil.Process, float]:
    from textual_serve.download_manager import DownloadManager

    from speedtimer.cli.serve import make_app_service

    sent = []

    async def browser_gone(data: bytes) -> None:
        sent.append(len(data))
        if len(sent) > 3:  # a few frames reach it, then its connection is reset
            raise ConnectionResetError("Cannot write to closing transport")

    async def nothing(*_args) -> None:
        pass

    service = make_app_service(None)(
        subprocess.list2cmdline([sys.executable, "-c", ENDLESS_APP]),
        write_bytes=browser_gone,
        write_str=nothing,
        close=nothing,
        download_manager=DownloadManager(),
    )
    await service.start(80, 24)
    app = psutil.Process(service._process.pid)
    while len(sent) <= 3:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1)  # long enough to fill any pipe if nobody reads it
    started = time.monotonic()
    await asyncio.wait_for(service.stop(), 30)
    took = time.monotonic() - started
    return app, took


@tried(
    "serve",
    "an app that writes its screen without end and ignores quit and SIGHUP, whose browser "
    "connection was reset after 4 frames (the app then blocked on a pipe nobody read, for good)",
    "its output was read and dropped after the reset and it was killed 3 s after the hangup; "
    "stop() returned with the process gone",
)
def test_an_app_stuck_writing_to_a_gone_browser_is_ended():
    app, took = asyncio.run(_endless_app_after_its_browser_failed())
    print(f"the endless app was gone {took:.2f} s after stop()")
    try:
        assert tree_gone([app]), "the app was left running, blocked on its pipe"
        assert took < 10
    finally:
        with contextlib.suppress(psutil.Error):
            app.kill()
