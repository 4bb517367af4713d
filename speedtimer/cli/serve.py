"""`speedtimer serve`: the app in a web browser, so a phone or tablet can show and drive it.

textual-serve starts one `speedtimer` process per browser connection and relays its screen
over a websocket. That process is this very install (`sys.executable -m speedtimer`) with the
server's folders and options, so the browser sees the runner's own presets and history.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import re
import shlex
import socket
import sys
from pathlib import Path

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


def make_server(command: str, host: str, sockets: list[socket.socket]):
    """A textual-serve Server on our own sockets, which tells the runner where to open it and
    refuses websockets opened by other web sites (any page in the runner's browser could
    otherwise drive the timer, edit presets or read the history through localhost)."""
    from aiohttp import web
    from textual_serve.server import Server

    port = sockets[0].getsockname()[1]

    def announce(_aiohttp_message: str) -> None:
        print("speedtimer is served; open it in a web browser at:", flush=True)
        for url in urls(host, port):
            print(f"  {url}", flush=True)
        print("Ctrl+C stops the server.", flush=True)

    class SpeedtimerServer(Server):
        def serve(self, debug: bool = False) -> None:
            """Server.serve on the sockets bound above; announced once they listen."""
            self.debug = debug
            self.initialize_logging()
            web.run_app(self._make_app(), sock=sockets, print=announce)

        async def on_startup(self, app) -> None:
            """Instead of textual-serve's banner, `announce` prints the addresses."""

        async def handle_index(self, request: web.Request):
            # The page's websocket and static links follow the address the browser used, so
            # they work from a phone whichever of the machine's addresses it reached.
            self.public_url = f"{request.scheme}://{request.host}"
            response = await super().handle_index(request)
            response.text = page_for_phones(response.text, f"{self.public_url}/static/")
            return response

        async def handle_websocket(self, request: web.Request):
            origin = request.headers.get("Origin")
            if origin is not None and origin.split("://", 1)[-1] != request.host:
                raise web.HTTPForbidden(text="speedtimer: websocket from another site refused")
            return await super().handle_websocket(request)

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
    if not is_loopback(host):
        print(
            f"speedtimer serve: warning: listening on {host or 'every address'}, not just this "
            "machine: anyone on this network can open the timer in a browser and use it "
            "(start and stop sessions, edit presets, read the history). There is no password.",
            file=sys.stderr,
            flush=True,
        )
    make_server(served_command(args), host, sockets).serve()
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
    p.set_defaults(func=cmd_serve)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, got {value}")
    return value
