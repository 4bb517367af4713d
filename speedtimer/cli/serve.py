"""`speedtimer serve`: the app in a web browser, so a phone or tablet can show and drive it.

textual-serve starts one `speedtimer` process per browser connection and relays its screen
over a websocket. That process is this very install (`sys.executable -m speedtimer`) with the
server's folders and options, so the browser sees the runner's own presets and history.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import hmac
import html
import ipaddress
import json
import logging
import os
import re
import secrets
import shlex
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 8000
_ANY = {"0.0.0.0", "::", ""}


def served_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser: the global options passed on.

    Sound plays on the machine running the server, not on the phone, and every open tab would
    play its own cues there, so a served timer starts muted unless --no-mute is given.
    """
    argv = [sys.executable, "-m", "speedtimer"]
    for folder in args.presets_dir or []:
        argv += ["--presets-dir", str(Path(folder).expanduser().resolve())]
    if args.data_dir:
        argv += ["--data-dir", str(Path(args.data_dir).expanduser().resolve())]
    if args.config_dir:
        argv += ["--config-dir", str(Path(args.config_dir).expanduser().resolve())]
    if args.cache_dir:
        argv += ["--cache-dir", str(Path(args.cache_dir).expanduser().resolve())]
    argv.append("--no-mute" if args.mute is False else "--mute")
    if args.voice is not None:
        argv.append("--voice" if args.voice else "--no-voice")
    if args.get_ready is not None:
        argv += ["--get-ready", str(args.get_ready)]
    return shlex.join(argv)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int) -> str:
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def urls(host: str, port: int) -> list[str]:
    """Where a browser can open the timer: for an any-address bind, each of this machine's own
    addresses (the phone needs the one on its Wi-Fi), else the host as given."""
    if host not in _ANY:
        return [_url(host, port)]
    import psutil

    family = socket.AF_INET6 if host == "::" else socket.AF_INET  # "::" listens on IPv6 only
    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family != family:
                continue
            ip = address.address.split("%")[0]
            parsed = ipaddress.ip_address(ip)
            if not parsed.is_loopback and not parsed.is_link_local:
                found.append(_url(ip, port))
    return found + [_url("localhost", port)]


_WEB_FONT = re.compile(
    r'\s*<link\s+rel="stylesheet"\s+href="https://fonts\.googleapis\.com/[^"]*"\s*/>'
)
_FONT_FILE = "fonts/RobotoMono-VariableFont_wght.ttf"


def page_for_phones(html: str, static_url: str) -> str:
    """textual-serve's page, fit for a phone at a track: the terminal is sized to the phone's
    screen (without a viewport tag a phone lays it out 980 px wide and shows a corner of it),
    and its font comes from this server, since the phone may have no internet there."""
    head = (
        "<head>\n"
        '    <meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        "    <title>speedtimer</title>\n"
        f'    <link rel="preload" href="{static_url}{_FONT_FILE}" as="font" crossorigin />\n'
        "    <style>@font-face { font-family: 'Roboto Mono'; "
        f"src: url('{static_url}{_FONT_FILE}'); }}</style>"
    )
    return _WEB_FONT.sub("", html).replace("<head>", head, 1)


def listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets on every address `host` names, all on one port (port 0: a free one).

    Bound here, before the web server starts, so a port in use or an address this machine
    does not have is one clear line rather than a traceback from deep inside aiohttp, and the
    address printed is one that is already listening. Raises OSError with a message for the
    user.
    """
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise OSError(f"cannot listen on {host!r}: unknown host ({exc.strerror})") from None
    sockets: list[socket.socket] = []
    try:
        for family, address in dict.fromkeys((i[0], i[4][:2]) for i in infos):
            bind_to = (address[0], sockets[0].getsockname()[1] if sockets else port)
            sockets.append(socket.create_server(bind_to, family=family))
    except OSError as exc:
        for sock in sockets:
            sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise OSError(
                f"port {port} on {host} is in use (another server, or speedtimer serve already "
                "running?); choose another with --port"
            ) from None
        if exc.errno == errno.EACCES:
            raise OSError(
                f"not allowed to listen on port {port} (ports below 1024 need root); "
                "choose another with --port"
            ) from None
        raise OSError(f"cannot listen on {host} port {port}: {os.strerror(exc.errno)}") from None
    return sockets


# --- who may use the timer ------------------------------------------------------------------

TOKEN_COOKIE = "speedtimer-token-{port}"  # one per port: two servers on one machine keep theirs
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9._~-]{8,200}")


def served_names(host: str, sockets: list[socket.socket]) -> frozenset[str]:
    """The host names and addresses a browser may use to reach this server (its Host header).

    Anything else is refused: a page on another site whose name an attacker made resolve to
    127.0.0.1 (DNS rebinding) sends its own name as Host, however it sets Origin. This machine
    always (localhost, 127.0.0.1, ::1), the addresses the server listens on and, when it
    listens beyond loopback, every address of this machine (read at start) and its own name
    (`mylaptop`, `mylaptop.local`): names an attacker's site cannot have.
    """
    names = {"localhost", "127.0.0.1", "::1"}
    if host not in _ANY:
        names.add(host.lower().rstrip("."))
    for sock in sockets:
        names.add(ipaddress.ip_address(sock.getsockname()[0].split("%")[0]).compressed)
    if not is_loopback(host):
        import psutil

        for addresses in psutil.net_if_addrs().values():
            for address in addresses:
                if address.family in (socket.AF_INET, socket.AF_INET6):
                    names.add(ipaddress.ip_address(address.address.split("%")[0]).compressed)
        machine = socket.gethostname().lower().rstrip(".")
        if machine:
            names.update({machine, f"{machine}.local"})
    return frozenset(names - _ANY)


_HOST_HEADER = re.compile(
    r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[^\[\]:@/\\\s]+))(?::(?P<port>\d{1,5}))?"
)


def host_name(header: str, port: int | None = None) -> str | None:
    """The name in a Host header (lower case, IPv6 in its short form), or None when it is not
    one a browser writes: not name[:port] or [v6][:port], or another port than `port`."""
    m = _HOST_HEADER.fullmatch(header)
    if m is None or (port is not None and m["port"] is not None and int(m["port"]) != port):
        return None
    name = (m["v6"] or m["name"]).lower().rstrip(".")
    try:
        return ipaddress.ip_address(name).compressed
    except ValueError:
        return None if m["v6"] else name


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _token(text: str) -> str:
    if not _TOKEN_CHARS.fullmatch(text):
        raise argparse.ArgumentTypeError(
            "a token is 8 to 200 letters, digits or . _ ~ - (it goes into an address)"
        )
    return text


def _same(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


# --- how much one browser may ask for -------------------------------------------------------

# A window no screen shows: 5000 x 5000 cells grew one app to 337 MB. 400 x 150 is a 4K
# monitor at a small font; the run screen needs 80 x 24.
MAX_COLUMNS = 400
MAX_ROWS = 150
DEFAULT_MAX_SESSIONS = 4  # each tab is its own app, about 50 MB
MAX_MAX_SESSIONS = 64
# A tab's app that the browser left: SIGHUP (its session is kept as interrupted), then after
# this many seconds SIGKILL for it and anything it started.
HANGUP_GRACE_S = 3.0


def bounded_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size from the browser (query or resize message), held to what a screen shows."""

    def cells(value: object, default: int, most: int) -> int:
        if isinstance(value, bool):
            return default
        try:
            number = int(value)  # a number, or its text
        except (TypeError, ValueError, OverflowError):
            return default
        return min(max(number, 1), most)

    return cells(width, 80, MAX_COLUMNS), cells(height, 24, MAX_ROWS)


def bounded_font(value: str) -> int:
    """The page's font size from `?fontsize=`: 6 to 48 pixels, 16 when it is not a number."""
    try:
        return min(max(int(value), 6), 48)
    except (ValueError, OverflowError):
        return 16


def _max_sessions(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_MAX_SESSIONS:
        raise argparse.ArgumentTypeError(f"--max-sessions is 1 to {MAX_MAX_SESSIONS}, got {value}")
    return value


def _notice(title: str, text: str) -> str:
    """A small page of its own (no script, nothing fetched) for a browser the timer turns away."""
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8" />\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
        f"<title>speedtimer: {html.escape(title)}</title></head>\n"
        '<body style="font-family: sans-serif; background: #0c181f; color: #eee; '
        'padding: 2em; line-height: 1.5">\n'
        f"<h1>speedtimer: {html.escape(title)}</h1>\n<p>{html.escape(text)}</p>\n</body></html>\n"
    )


# --- the apps -------------------------------------------------------------------------------


def make_app_service(history: Callable[[], None] | None):
    """textual-serve's AppService, made to end its app within seconds once the browser is gone.

    textual-serve stops reading an app's output when a send to the browser fails and then asks
    it to quit: an app in the middle of writing its screen stayed blocked on the full pipe for
    good, and one that did quit left its session 'in_progress'. Here the output is read to the
    end and dropped once the browser is gone, the app gets SIGHUP (the terminal went away: its
    session is saved as interrupted) and, if it has not ended within HANGUP_GRACE_S, SIGKILL
    with everything it started (it runs in its own process group). Then `history` marks
    interrupted any session a killed app left running.
    """
    from textual_serve.app_service import AppService

    class SpeedtimerAppService(AppService):
        gone = False
        _ending: asyncio.Future | None = None
        reading: asyncio.Task | None = None
        websocket = None

        async def _open_app_process(self, width: int = 80, height: int = 24):
            environment = self._build_environment(width=width, height=height)
            self._process = process = await asyncio.create_subprocess_exec(
                *shlex.split(self.command),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=environment,
                start_new_session=True,
            )
            self._stdin = process.stdin
            return process

        async def start(self, width: int, height: int) -> None:
            await super().start(*bounded_size(width, height))

        async def run(self) -> None:
            """The task reading the app's output, kept here to wait for at the end."""
            self.reading = asyncio.current_task()
            await super().run()

        async def set_terminal_size(self, width: int, height: int) -> None:
            await super().set_terminal_size(*bounded_size(width, height))

        async def on_data(self, payload: bytes) -> None:
            if not self.gone:
                try:
                    await self.remote_write_bytes(payload)
                except Exception:  # noqa: BLE001 - the browser went: keep reading, drop it
                    self.gone = True

        async def on_meta(self, data: bytes) -> None:
            if not self.gone:
                try:
                    await super().on_meta(data)
                except Exception:  # noqa: BLE001
                    self.gone = True

        async def stop(self) -> None:
            """End the app, however stuck it is; returns once it is gone (called again, it
            waits for the first call's work)."""
            self.gone = True
            if self._ending is None:
                self._ending = asyncio.ensure_future(self._end())
            await asyncio.shield(self._ending)

        async def _end(self) -> None:
            process, task = self._process, self.reading
            if process is None or task is None:
                return
            with contextlib.suppress(Exception):
                await self._download_manager.cancel_app_downloads(
                    app_service_id=self.app_service_id
                )
            killed = False
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGHUP)
                try:
                    await asyncio.wait_for(process.wait(), HANGUP_GRACE_S)
                except TimeoutError:
                    killed = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # the app if stuck, and its helpers
            await process.wait()
            with contextlib.suppress(Exception):
                self._stdin.close()
            try:
                await asyncio.wait_for(task, 2.0)  # the output runs out now
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
            if history is not None:
                if killed:
                    log.warning("serve: an app did not end on SIGHUP and was killed")
                await asyncio.to_thread(history)

    return SpeedtimerAppService


def history_tidier(args: argparse.Namespace) -> Callable[[], None]:
    """After an app ends: its session, if it was killed mid-run, becomes 'interrupted' now
    rather than at the next start (the same tidy as a start does)."""

    def tidy() -> None:
        from speedtimer.config.paths import Paths
        from speedtimer.history.recorder import open_history_store

        try:
            paths = Paths.resolve(
                data_dir=args.data_dir,
                config_dir=args.config_dir,
                presets_dirs=args.presets_dir,
                cache_dir=args.cache_dir,
            )
            store, problems = open_history_store(paths.history_db, None, paths.spare_pending_dir)
            if store is not None:
                store.close()
            for problem in problems:
                log.warning("serve: %s", problem)
        except Exception:  # noqa: BLE001 - the next start tidies up as well
            log.exception("serve: tidying the history after an app ended failed")

    return tidy


# --- the server -----------------------------------------------------------------------------


def make_server(
    command: str,
    host: str,
    sockets: list[socket.socket],
    *,
    token: str | None = None,
    max_sessions: int = DEFAULT_MAX_SESSIONS,
    history: Callable[[], None] | None = None,
):
    """A textual-serve Server on our own sockets, which tells the runner where to open it.

    It answers only to the names it serves (see served_names), asks for the token when there
    is one, refuses websockets opened by other web sites (any page in the runner's browser
    could otherwise drive the timer, edit presets or read the history through localhost),
    runs at most `max_sessions` apps at once and ends each app soon after its browser left.
    """
    from aiohttp import WSMsgType, web
    from textual_serve.server import Server

    port = sockets[0].getsockname()[1]
    names = served_names(host, sockets)
    cookie = TOKEN_COOKIE.format(port=port)
    service_class = make_app_service(history)
    full_text = (
        f"{max_sessions} browser tab(s) already have the timer open, the most this server "
        "runs at once (speedtimer serve --max-sessions). Close one of them, then reload "
        "this page."
    )

    def announce(_aiohttp_message: str) -> None:
        print("speedtimer is served; open it in a web browser at:", flush=True)
        for url in urls(host, port):
            print(f"  {url}/?token={token}" if token else f"  {url}", flush=True)
        print("Ctrl+C stops the server.", flush=True)

    @web.middleware
    async def guard(request: web.Request, handler):
        if host_name(request.host, port) not in names:
            log.warning("serve: refused a request for host %r", request.host[:80])
            return web.Response(
                status=403,
                text="speedtimer: this server does not answer to that host name\n",
            )
        if token is not None and not _same(request.cookies.get(cookie), token):
            given = request.query.get("token")
            if not _same(given, token):
                return web.Response(
                    status=403,
                    content_type="text/html",
                    text=_notice(
                        "the token is missing",
                        "This timer is shared on a network, so it asks for its token. Open "
                        "the address that speedtimer serve printed, the one ending in "
                        "?token=..., once in this browser; it remembers the token after that.",
                    ),
                )
            response = await handler(request)
            if request.path == "/":  # first visit: the browser keeps it for the websocket
                response.set_cookie(
                    cookie, token, path="/", max_age=30 * 86400, httponly=True, samesite="Strict"
                )
            return response
        return await handler(request)

    class SpeedtimerServer(Server):
        live: set

        def serve(self, debug: bool = False) -> None:
            """Server.serve on the sockets bound above; announced once they listen."""
            self.debug = debug
            self.live = set()
            self.initialize_logging()
            web.run_app(self._make_app(), sock=sockets, print=announce)

        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(guard)
            return app

        async def on_startup(self, app) -> None:
            """Instead of textual-serve's banner, `announce` prints the addresses."""

        async def on_shutdown(self, app) -> None:
            """Ctrl+C: every app ends (sessions saved as interrupted), every tab is told."""
            live = list(self.live)
            await asyncio.gather(*(s.stop() for s in live), return_exceptions=True)
            for service in live:
                with contextlib.suppress(Exception):
                    await service.websocket.close()

        async def handle_index(self, request: web.Request):
            if len(self.live) >= max_sessions:
                return web.Response(
                    status=503,
                    content_type="text/html",
                    text=_notice("every place is taken", full_text),
                )
            # The page's websocket and static links follow the address the browser used (one
            # of `names`, checked above), so they work from a phone whichever of the machine's
            # addresses it reached.
            self.public_url = f"{request.scheme}://{request.host}"
            if "fontsize" in request.query:  # bounded like the window: 6 to 48 pixels
                size = bounded_font(request.query["fontsize"])
                request = request.clone(rel_url=request.rel_url.update_query(fontsize=size))
            response = await super().handle_index(request)
            static = html.escape(f"{self.public_url}/static/")
            response.text = page_for_phones(response.text, static)
            return response

        async def handle_websocket(self, request: web.Request):
            origin = request.headers.get("Origin")
            if origin is not None and origin.split("://", 1)[-1] != request.host:
                raise web.HTTPForbidden(text="speedtimer: websocket from another site refused")
            if len(self.live) >= max_sessions:
                raise web.HTTPServiceUnavailable(text=f"speedtimer: full. {full_text}")
            width, height = bounded_size(
                request.query.get("width", "80"), request.query.get("height", "24")
            )
            websocket = web.WebSocketResponse(heartbeat=15)
            service = service_class(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            service.websocket = websocket
            self.live.add(service)  # before any await: a burst of tabs cannot pass the cap
            try:
                await websocket.prepare(request)
                await service.start(width, height)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                pass
            except Exception:  # noqa: BLE001 - a bad message ends this tab only
                log.exception("serve: a browser connection failed")
            finally:
                try:
                    await asyncio.shield(service.stop())
                finally:
                    self.live.discard(service)
                    with contextlib.suppress(Exception):
                        await websocket.close()
            return websocket

        async def _process_messages(self, websocket, app_service) -> None:
            """textual-serve's, with every message checked: a malformed one is dropped."""
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    envelope = json.loads(message.data)
                    kind, data = envelope[0], envelope[1]
                except (ValueError, TypeError, KeyError, IndexError):
                    continue
                if kind == "stdin" and isinstance(data, str):
                    await app_service.send_bytes(data.encode("utf-8", "replace"))
                elif kind == "resize" and isinstance(data, dict):
                    await app_service.set_terminal_size(data.get("width"), data.get("height"))
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await app_service.blur()
                elif kind == "focus":
                    await app_service.focus()

    return SpeedtimerServer(command, host=host, port=port, title="speedtimer")


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        print(
            "speedtimer serve: textual-serve is not installed; run ./run once, or "
            "pip install textual-serve",
            file=sys.stderr,
        )
        return 1
    host = args.host
    try:
        sockets = listen(host, args.port)
    except OSError as exc:
        print(f"speedtimer serve: {exc}", file=sys.stderr)
        return 1
    token = None
    if not is_loopback(host):
        token = args.token or new_token()
        print(
            f"speedtimer serve: warning: listening on {host or 'every address'}, not just this "
            "machine: anyone on this network who has the address printed below, token "
            "included, can use the timer (start and stop sessions, edit presets, read the "
            "history). The connection is not encrypted: use it on a network you trust.",
            file=sys.stderr,
            flush=True,
        )
    elif args.token:
        print(
            "speedtimer serve: --token is not needed on this machine only; it is not asked for",
            file=sys.stderr,
            flush=True,
        )
    server = make_server(
        served_command(args),
        host,
        sockets,
        token=token,
        max_sessions=args.max_sessions,
        history=history_tidier(args),
    )
    server.serve()
    return 0


def add_serve_command(sub) -> None:
    p = sub.add_parser(
        "serve",
        help="serve the app to a web browser (a phone or tablet on the same network)",
        description="Serve the app to web browsers. Each browser tab runs its own timer, with "
        "the folders and options given before 'serve'. Sound plays on this machine and is off "
        "unless --no-mute is given before 'serve'.",
    )
    p.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}: this machine only; 0.0.0.0: "
        "every network this machine is on, e.g. for a phone on the same Wi-Fi)",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0: any free port)",
    )
    p.add_argument(
        "--token",
        type=_token,
        help="the token a browser must bring when --host is not this machine only (default: "
        "a new random one each start; the printed addresses carry it)",
    )
    p.add_argument(
        "--max-sessions",
        type=_max_sessions,
        default=DEFAULT_MAX_SESSIONS,
        metavar="N",
        help=f"at most N browser tabs run the timer at once (default {DEFAULT_MAX_SESSIONS}; "
        "each is its own app); one more is shown a page saying so",
    )
    p.set_defaults(func=cmd_serve)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {value}")
    return value
