"""``hallq``: the one command line for every part of the hall."""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from queue_server import contract as c
from queue_server.adapters.db import is_sqlite, normalise_url
from queue_server.adapters.migrate import upgrade
from queue_server.config import ServerSettings
from queue_server.domain.errors import DomainError
from queue_server.messages import render

app = typer.Typer(
    help="HallQ — 政务服务大厅排队叫号系统 / government service hall queueing.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.")
user_app = typer.Typer(help="Staff accounts.")
token_app = typer.Typer(help="Device and API tokens.")
catalogue_app = typer.Typer(help="Service catalogue import/export (JSON).")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(catalogue_app, name="catalogue")

if TYPE_CHECKING:
    from queue_server.runtime import Runtime

console = Console(stderr=True)
DbOption = Annotated[str, typer.Option("--db", envvar="HALLQ_DB", help="SQLite file or postgresql:// URL")]
HallOption = Annotated[str | None, typer.Option("--hall", help="hall code (needed when several exist)")]
DEMO_DB = "var/demo.db"


def _runtime(db: str) -> Runtime:
    """The server's runtime on ``db``, migrated (imported late: ``hallq --help`` stays quick)."""
    from hallq.bootstrap import build_runtime

    return build_runtime(ServerSettings(db=db))


def _fail(error: DomainError) -> None:
    zh, en = render(error.code, error.fields)
    console.print(f"[red]{zh}[/red] / {en} ({error.code})")
    raise typer.Exit(2)


@app.command()
def serve(
    db: DbOption = "hallq.db",
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="seed the demo hall into an empty database")] = False,
) -> None:
    """Run the queue server (API, live events)."""
    from hallq.bootstrap import build_app
    from hallq.bootstrap import serve as serve_app
    from queue_server.ops.logs import configure

    settings = ServerSettings(db=db, host=host, port=port)
    configure(settings.log_format)  # HALLQ_LOG_FORMAT=json: JSON lines with the request id
    application = build_app(settings, demo=demo)
    serve_app(application, host, port)


@app.command()
def demo(
    db: DbOption = DEMO_DB,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    printer_port: Annotated[int, typer.Option(help="the mock printer's port")] = 9100,
    gateway_port: Annotated[int, typer.Option(help="the mock SMS / 好差评 gateway's port")] = 9180,
    kiosk: Annotated[bool, typer.Option(help="open a kiosk window (where there is a display)")] = True,
) -> None:
    """The whole demo hall on this machine: server with the seeded 明川市政务服务中心, tokens printed."""
    import os
    import secrets

    from hallq.bootstrap import (
        DEMO_GATEWAY_ENV,
        DEMO_PASSWORD,
        build_app,
        build_runtime,
        point_demo_at_gateway,
        seed_demo,
    )
    from hallq.bootstrap import serve as serve_app
    from queue_server.services.admin.accounts import create_token

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    Path(db).parent.mkdir(parents=True, exist_ok=True)
    settings = ServerSettings(db=db, host=host, port=port)
    runtime = build_runtime(settings)
    seeded = seed_demo(runtime)

    def demo_token(role: c.Role, label: str, window: str | None = None) -> str:
        """A token of the demo hall, issued in its own transaction."""
        issue = partial(create_token, book=runtime.tokens, hall=None, role=role, window=window, label=label)
        return runtime.write_sync(issue)

    roles = (c.Role.KIOSK, c.Role.BOARD, c.Role.MANAGER)
    tokens = {role: demo_token(role, f"demo {role.value}") for role in roles}
    # an emulated 评价器 with its bridge at windows 1 and 2
    pad_tokens = {window: demo_token(c.Role.EVALUATOR, "demo pad", window) for window in ("1", "2")}
    runtime.stop()
    base = f"http://{host}:{port}"
    out = Console(soft_wrap=True)
    out.print(f"[bold]HallQ demo[/bold] — {'seeded' if seeded else 'reusing'} the demo hall in {db}")
    out.print(f"  API docs:        {base}/docs")
    out.print(f"  Hall snapshot:   {base}/api/v1/hall   (Authorization: Bearer <board token>)")
    out.print(f"  Live events:     ws://{host}:{port}/ws")
    for role, token in tokens.items():
        out.print(f"  {role.value:<8} token: {token}")
    out.print(
        f"  Staff logins:    MC1001…MC1026 (clerks, window = last two digits), MC2001 (manager); "
        f"password {DEMO_PASSWORD}"
    )
    board = tokens[c.Role.BOARD]
    out.print(
        f"  Lobby board:     {base}/board?token={board}   (a zone's: {base}/board?zone=A&token={board})"
    )
    out.print(f"  Window screen:   {base}/board/window/3?token={board}   (any window number)")
    out.print(f"  Ticket page:     {base}/t/<ticket token>   (the QR code on every ticket; no login)")
    out.print(f"  Clerk console:   {base}/clerk   (log in as MC1003 at window 3)")
    out.print(f"  Manager console: {base}/manager   (log in as MC2001, no window)")
    out.print(f"  Lobby guide:     {base}/guide")
    import signal

    from hallq.pads import DemoPads
    from hallq.processes import DemoDevices

    def stop_on_sigterm(*_: object) -> None:
        # SIGTERM ends the demo as Ctrl-C does, through the finally below that stops the helpers.
        # uvicorn captures the signal while it serves and raises it again after its shutdown: with
        # the default handler the process died right there and left the helpers running.
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    os.environ[DEMO_GATEWAY_ENV] = os.environ.get(DEMO_GATEWAY_ENV) or secrets.token_hex(16)
    point_demo_at_gateway(build_runtime(settings.model_copy(update={"migrate": False})), gateway_port, base)
    out.print("  SMS notices:     on for tickets taken with a phone and 短信告知, to the mock gateway")
    devices = DemoDevices(
        base,
        tokens[c.Role.KIOSK],
        printer_port=printer_port,
        kiosk=kiosk,
        gateway_port=gateway_port,
        gateway_secret=os.environ[DEMO_GATEWAY_ENV],
    )
    pads = DemoPads(base, pad_tokens)
    try:
        for line in devices.start():
            out.print(f"  {line}")
        for line in pads.start():
            out.print(f"  {line}")
        application = build_app(settings.model_copy(update={"migrate": False}))
        serve_app(application, host, port)
    except KeyboardInterrupt:
        out.print("HallQ demo stopped.")
    finally:
        pads.stop()
        devices.stop()


@app.command("kiosk")
def kiosk_command(
    config: Annotated[Path | None, typer.Option(help="a TOML file with a \\[kiosk] table")] = None,
    server: Annotated[str | None, typer.Option(help="the queue server's URL")] = None,
    public_url: Annotated[
        str | None,
        typer.Option(help="the hall's public address for the tickets' QR codes (default: --server)"),
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="kiosk device token (better: HALLQ_KIOSK_TOKEN or the file)")
    ] = None,
    printer: Annotated[
        str | None,
        typer.Option(help="network://HOST:9100 | serial:///dev/ttyS0 | usb://VID:PID | file://PATH | none"),
    ] = None,
    paper_mm: Annotated[int | None, typer.Option("--paper", help="58 or 80 (mm)")] = None,
    printer_font: Annotated[
        str | None, typer.Option(help="the printer's Chinese font: gb18030 or gb2312 (with stand-ins)")
    ] = None,
    idcard: Annotated[
        str | None, typer.Option(help="the ID card reader: serial:///dev/ttyUSB0?baudrate=115200 | none")
    ] = None,
    device: Annotated[str | None, typer.Option(help="the kiosk's name in the hall")] = None,
    state_dir: Annotated[Path | None, typer.Option(help="where voice clips and caches are kept")] = None,
    windowed: Annotated[bool, typer.Option("--windowed", help="a window instead of full screen")] = False,
) -> None:
    """The citizen's touch screen (full screen): service guides, tickets, printing."""
    import os

    from pydantic import ValidationError

    from kiosk.config import ENV_PREFIX, load_settings, settings_problems

    overrides = {
        "server": server,
        "status_url_base": public_url,
        "token": token,
        "printer": printer,
        "paper_mm": paper_mm,
        "printer_font": printer_font,
        "idcard": idcard,
        "device": device,
        "state_dir": state_dir,
        "fullscreen": False if windowed else None,
    }
    try:
        settings = load_settings(config, **overrides)
    except ValidationError as error:
        for line in settings_problems(error):
            console.print(f"kiosk settings: {line}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from error
    except (OSError, ValueError) as error:  # an unreadable or malformed --config file
        console.print(f"kiosk settings: {config}: {error}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from error
    if not settings.token:
        console.print("[yellow]no device token: create one with `hallq token create --role kiosk`[/yellow]")
    # Become a lean `python -m kiosk` process: nothing of the server or this command line stays loaded.
    os.environ.update({f"{ENV_PREFIX}{k.upper()}": str(v) for k, v in overrides.items() if v is not None})
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", "kiosk", *(["--config", str(config)] if config else [])])


@app.command("mock-printer")
def mock_printer(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (9100 like a network receipt printer)")] = 9100,
    out: Annotated[Path, typer.Option(help="folder for each receipt as text and PNG")] = Path("var/receipts"),
    paper: Annotated[int, typer.Option(help="paper width in mm (58 or 80)")] = 80,
    state: Annotated[str, typer.Option(help="ok, paper_low, paper_out, cover_open or offline")] = "ok",
) -> None:
    """A network ESC/POS printer that decodes what it gets. SIGUSR1: paper out ↔ ok; SIGUSR2: offline ↔ ok."""
    import signal

    from hardware_mocks.printer_server import Condition, MockPrinter

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    printer = MockPrinter(host, port, out, paper, Condition(state))

    def toggle(condition: Condition) -> None:
        printer.condition = Condition.READY if printer.condition == condition else condition
        console.print(f"mock printer is now {printer.condition.value}")

    signal.signal(signal.SIGUSR1, lambda *_: toggle(Condition.PAPER_OUT))
    signal.signal(signal.SIGUSR2, lambda *_: toggle(Condition.OFFLINE))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    console.print(f"mock printer on {host}:{port}, {paper} mm, receipts in {out}/ ({state})")
    printer.serve_forever()


@app.command("mock-gateway")
def mock_gateway(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 9180,
    fail_rate: Annotated[float, typer.Option(help="share of requests answered 503 (0.1 = 10 %)")] = 0.0,
    down_for: Annotated[float, typer.Option(help="seconds from start during which it answers 503")] = 0.0,
    slow: Annotated[str, typer.Option(help="answer after this long (2s, 500ms)")] = "0s",
    secret: Annotated[str, typer.Option(envvar="HALLQ_GATEWAY_SECRET", help="the signing secret")] = "",
    record: Annotated[
        Path | None, typer.Option(help="append what it accepts to this JSON-lines file")
    ] = None,
) -> None:
    """An SMS gateway and 好差评 platform emulator: checks signatures, records, fails on purpose."""
    import time

    from hardware_mocks.gateway import Behaviour, GatewayEmulator, MockGateway

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    pause = float(slow[:-2]) / 1000 if slow.endswith("ms") else float(slow.rstrip("s") or 0)
    behaviour = Behaviour(fail_rate=fail_rate, down_until=time.monotonic() + down_for, slow=pause)
    server = MockGateway(host, port, GatewayEmulator(secret, record, behaviour))
    console.print(f"mock gateway on {server.url}: POST /sms, POST /evaluations, GET /?Action=SendSms")
    server.serve_forever()


@app.command("evaluator")
def evaluator_command(
    serial_port: Annotated[str, typer.Option("--serial", help="the serial port (/dev/ttyUSB0, a pty)")],
    pad: Annotated[
        list[str], typer.Option("--pad", help="ADDR=WINDOW (or ADDR=WINDOW:rs232|rs485), once per pad")
    ],
    server: Annotated[str, typer.Option(help="the queue server's URL")] = "http://127.0.0.1:8000",
    token: Annotated[
        list[str] | None,
        typer.Option("--token", help="WINDOW=TOKEN (better: HALLQ_EVALUATOR_TOKENS=1=tok,2=tok)"),
    ] = None,
    baud: Annotated[int, typer.Option(help="line speed (8N1): 9600, 19200, 38400, 57600 or 115200")] = 9600,
    line: Annotated[
        str | None,
        typer.Option(help="rs485 (a bus: pads answer polls) or rs232 (one pad); default rs485 for several"),
    ] = None,
    outbox: Annotated[Path | None, typer.Option(help="ratings file kept until the server has them")] = None,
) -> None:
    """The bridge between the evaluator pads on one serial port and their windows."""
    import os

    from evaluator_device.bridge import Bridge, PadConfig
    from evaluator_device.master import Line
    from hallq.pads import check_baud, check_port, parse_pad_lines, parse_tokens

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        default_line = line or ("rs485" if len(pad) > 1 else "rs232")
        if default_line not in ("rs232", "rs485"):
            raise ValueError(f"--line {line}: rs232 or rs485")
        pads = parse_pad_lines(pad, default_line)
        check_baud(baud)
        tokens = parse_tokens(token or [], os.environ.get("HALLQ_EVALUATOR_TOKENS", ""))
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    missing = [window for _, window, _ in pads if window not in tokens]
    if missing:
        console.print(f"[red]no evaluator token for window(s) {', '.join(missing)}[/red]")
        raise typer.Exit(2)
    try:
        check_port(serial_port)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    path = outbox or Path("var") / f"evaluator-{Path(serial_port).name}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    configs = [PadConfig(address, window, tokens[window], Line(kind)) for address, window, kind in pads]
    said = ", ".join(f"{a}={w} ({k})" for a, w, k in pads)
    console.print(f"evaluator bridge on {serial_port} at {baud} baud: {said}; outbox {path}")
    Bridge(server, serial_port, configs, path, baud=baud).run_forever()


@app.command("mock-pad")
def mock_pad(
    address: Annotated[
        list[int] | None, typer.Option(help="the pad's bus address; repeat for several pads on one bus")
    ] = None,
    baud: Annotated[int, typer.Option(help="line speed the pad paces its bytes at")] = 9600,
    line: Annotated[str, typer.Option(help="rs232 (sends by itself) or rs485 (answers polls)")] = "rs232",
    link: Annotated[Path | None, typer.Option(help="make this path a symlink to the pad's pty")] = None,
    auto: Annotated[
        str | None, typer.Option(help="answer every question with these levels in turn, e.g. 2,1,4")
    ] = None,
    delay: Annotated[float, typer.Option(help="seconds before an automatic key press")] = 1.0,
    corrupt: Annotated[float, typer.Option(help="probability a byte is corrupted")] = 0.0,
    drop: Annotated[float, typer.Option(help="probability a frame is dropped")] = 0.0,
    delay_ms: Annotated[float, typer.Option(help="random extra delay per frame (ms)")] = 0.0,
    protocol: Annotated[
        int, typer.Option(help="protocol version the pads speak: 1, or 2 (shorter RS-485 exchanges)")
    ] = 1,
) -> None:
    """Emulated evaluator pads on a pseudo-terminal; type 1-5 (and reasons, e.g. "4 1,5") to rate.

    With several --address values the pads share one pty as an RS-485 bus; typed keys go to the
    first pad with a question on screen ("2@3 5" presses 5 on pad 3).
    """
    import threading

    from hallq.pads import check_baud
    from hardware_mocks.evaluator_pad import EmulatedPad, Faults, PadBus, Screen, Script

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    addresses = address or [1]
    try:
        check_baud(baud)
        if line not in ("rs232", "rs485"):
            raise ValueError(f"--line {line}: rs232 or rs485")
        if protocol not in (1, 2):
            raise ValueError(f"--protocol {protocol}: 1 or 2")
        if len(set(addresses)) != len(addresses) or not all(1 <= a <= 247 for a in addresses):
            raise ValueError("addresses are 1..247, each once")
        if len(addresses) > 1 and line != "rs485":
            raise ValueError("several pads on one port form an RS-485 bus: add --line rs485")
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error

    def show_for(number: int) -> Any:
        def show(screen: Screen) -> None:
            asking = f" — 请评价 {screen.asking.ticket_number}" if screen.asking else ""
            who = f"{screen.clerk_name} {screen.staff_no}"
            console.print(f"pad {number}: {screen.mode}, 窗口 {screen.window} {who}{asking}", markup=False)

        return show

    pads = [
        EmulatedPad(
            number,
            baud,
            Faults(corrupt, drop, delay_ms),
            serial_no=f"EMU{number:04d}",
            on_screen=show_for(number),
            line=line,
            version=protocol,
        )
        for number in addresses
    ]
    bus = PadBus(pads) if len(pads) > 1 else None
    port = bus.open_pty() if bus else pads[0].open_pty()
    if link is not None:
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(port)
    if bus:
        bus.start()
    else:
        pads[0].start()
    numbers = ", ".join(str(a) for a in addresses)
    where = f"{port}{f' ({link})' if link else ''}"
    console.print(f"mock pad(s) {numbers} on {where} at {baud} baud, {line}, protocol {protocol}")
    stop = threading.Event()
    scripts: list[threading.Thread] = []
    try:
        if auto:
            levels = [int(x) for x in auto.split(",") if x.strip()]
            for one in pads[1:]:
                thread = threading.Thread(target=Script(levels, delay).run, args=(one, stop), daemon=True)
                thread.start()
                scripts.append(thread)
            Script(levels, delay).run(pads[0], stop)
        for typed in sys.stdin:
            parts = typed.split()
            target = pads[0]
            if parts and "@" in parts[0]:
                key, _, number = parts[0].partition("@")
                target = next((x for x in pads if str(x.address) == number), pads[0])
                parts[0] = key
            elif len(pads) > 1:
                target = next((x for x in pads if x.screen.asking), pads[0])
            if parts and parts[0] in {"1", "2", "3", "4", "5"}:
                reasons = tuple(int(r) for r in parts[1].split(",")) if len(parts) > 1 else ()
                rated = target.press(int(parts[0]), reasons)
                said = f" for evaluation {rated}" if rated else " (no question on screen: a key event)"
                console.print(f"pad {target.address}: pressed {parts[0]}{said}")
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        if bus:
            bus.stop()
        else:
            pads[0].stop()
        if link is not None:
            link.unlink(missing_ok=True)


@app.command("mock-idcard")
def mock_idcard(
    link: Annotated[Path | None, typer.Option(help="make this path a symlink to the reader's pty")] = None,
    script: Annotated[
        Path | None, typer.Option(help="a file of prompt lines to play first (plus `wait SECONDS`)")
    ] = None,
) -> None:
    """An emulated ID card reader (GA 467 SAM frames) on a pseudo-terminal. Type at its prompt:
    put [ID [VALID_TO [NAME]]], expired, remove, fault none|garbage|silent|read_fails."""
    import time

    from hardware_mocks.idcard_reader import EmulatedReader

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    reader = EmulatedReader()
    port = reader.open_pty()
    if link is not None:
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(port)
    reader.start()
    console.print(f"mock ID card reader on {port}{f' ({link})' if link else ''}: --idcard serial://{port}")

    def play(line: str) -> None:
        words = line.split()
        if words and words[0] == "wait":
            time.sleep(float(words[1]) if len(words) > 1 else 1.0)
            return
        try:
            said = reader.command(line)
        except ValueError as error:
            console.print(str(error), style="red", markup=False)
            return
        if said:
            console.print(said, markup=False)

    try:
        if script is not None:
            for line in script.read_text(encoding="utf-8").splitlines():
                play(line)
        for line in sys.stdin:
            play(line)
    except KeyboardInterrupt:
        pass
    finally:
        reader.stop()
        if link is not None:
            link.unlink(missing_ok=True)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = "hallq.db", revision: str = "head") -> None:
    """Create or migrate the schema (Alembic)."""
    upgrade(db, revision)
    console.print(f"database at {db} is at {revision}")


@user_app.command("add")
def user_add(
    staff_no: str,
    name: str,
    role: Annotated[
        c.Role, typer.Option(help="clerk, guide, manager, admin, or city (reads every hall's figures)")
    ] = c.Role.CLERK,
    window: Annotated[str | None, typer.Option(help="the clerk's usual window")] = None,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
    hall: HallOption = None,
    db: DbOption = "hallq.db",
) -> None:
    """Create a staff account (or reset its password)."""
    from queue_server.auth.passwords import hash_password
    from queue_server.services.admin.accounts import add_user

    hashed = hash_password(password)  # before the transaction: argon2 is slow by design
    runtime = _runtime(db)
    try:
        runtime.write_sync(
            lambda uow: add_user(
                uow, hall=hall, staff_no=staff_no, name=name, role=role, password_hash=hashed, window=window
            )
        )
    except DomainError as error:
        _fail(error)
    console.print(f"saved {staff_no} ({role.value})")


@token_app.command("create")
def token_create(
    role: Annotated[c.Role, typer.Option(help="kiosk, board, evaluator, clerk, manager, admin or city")],
    window: Annotated[
        str | None, typer.Option(help="the window a clerk or evaluator token is bound to")
    ] = None,
    label: Annotated[str, typer.Option(help="a note to recognise the device by")] = "",
    hall: HallOption = None,
    db: DbOption = "hallq.db",
) -> None:
    """Create a token; it is printed once, on the last line of stdout."""
    from queue_server.services.admin.accounts import create_token

    runtime = _runtime(db)
    try:
        token = runtime.write_sync(
            lambda uow: create_token(uow, runtime.tokens, hall=hall, role=role, window=window, label=label)
        )
    except DomainError as error:
        _fail(error)
    console.print(f"{role.value} token (shown once; store it in the device's configuration):")
    print(token)


@token_app.command("list")
def token_list(hall: HallOption = None, db: DbOption = "hallq.db") -> None:
    """List the hall's tokens (never the tokens themselves)."""
    from rich.table import Table

    from queue_server.services.admin.accounts import list_tokens

    runtime = _runtime(db)
    rows = runtime.read_sync(lambda uow: list_tokens(uow, hall))
    table = Table("id", "role", "window", "label", "created", "revoked")
    for row in rows:
        table.add_row(*(str(v) if v is not None else "" for v in row))
    Console(soft_wrap=True).print(table)


@token_app.command("revoke")
def token_revoke(token_id: int, db: DbOption = "hallq.db") -> None:
    """Revoke a token by its id (see `hallq token list`)."""
    from queue_server.services.admin.accounts import revoke_token

    runtime = _runtime(db)
    try:
        runtime.write_sync(lambda uow: revoke_token(uow, runtime.tokens, token_id))
    except DomainError as error:
        _fail(error)
    console.print(f"revoked token {token_id}; servers stop accepting it within a few seconds")


@catalogue_app.command("import")
def catalogue_import(file: Path, db: DbOption = "hallq.db") -> None:
    """Create or update a hall from a catalogue JSON file."""
    from queue_server.services.admin.catalogue_file import (
        CatalogueFile,
        hash_staff_passwords,
        import_catalogue,
    )

    data = CatalogueFile.model_validate(json.loads(file.read_text(encoding="utf-8")))
    hashes = hash_staff_passwords(data)  # before the transaction: argon2 is slow by design
    runtime = _runtime(db)
    total = 1 + len(data.departments) + len(data.services) + len(data.windows) + len(data.staff)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task("importing", total=total)

        def step(label: str, n: int) -> None:
            bar.update(task, advance=n, description=f"importing {label}")

        runtime.write_sync(lambda uow: import_catalogue(uow, data, step, hashes=hashes))
    console.print(f"imported {data.hall.code}: {len(data.services)} services, {len(data.windows)} windows")


@catalogue_app.command("export")
def catalogue_export(file: Path, hall: HallOption = None, db: DbOption = "hallq.db") -> None:
    """Write a hall's catalogue to a JSON file (no passwords)."""
    from queue_server.services.admin.catalogue_file import export_catalogue

    runtime = _runtime(db)
    data = runtime.read_sync(lambda uow: export_catalogue(uow, uow.stores.hall.hall_id(hall)))
    file.write_text(data.model_dump_json(indent=2, exclude_none=True), encoding="utf-8")
    console.print(f"wrote {file}")


@app.command()
def simulate(
    start: Annotated[str | None, typer.Option(help="first day, 2026-03-01 (default: last month's)")] = None,
    days: Annotated[int, typer.Option(min=1, max=400, help="calendar days to simulate")] = 30,
    seed: Annotated[int, typer.Option(help="the random seed (same seed, same activity)")] = 1,
    hall: HallOption = None,
    db: DbOption = "hallq.db",
) -> None:
    """Simulate a hall's activity (arrivals, calls, outcomes, ratings, pauses) through the services."""
    import datetime as dt

    from hallq.simulate import simulate as run_simulation

    if start is None:
        first = dt.date.today().replace(day=1)
        first_day = (first - dt.timedelta(days=1)).replace(day=1)
    else:
        first_day = dt.date.fromisoformat(start)
    runtime = _runtime(db)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            task = bar.add_task("simulating days", total=days)
            summary = run_simulation(
                runtime, hall, first_day, days, seed, lambda done, _total: bar.update(task, completed=done)
            )
    except DomainError as error:
        _fail(error)
    finally:
        runtime.stop()
    console.print(
        f"simulated {summary.days} working days from {first_day}: {summary.issued} tickets "
        f"({summary.appointments} booked), {summary.served} served, {summary.no_shows} no-shows, "
        f"{summary.transfers} transfers, {summary.rated} ratings ({summary.bad} 差评), "
        f"{summary.pauses} pauses"
    )


@app.command()
def advise(
    date: Annotated[str, typer.Option("--date", help="the day to plan, 2026-03-03")],
    replications: Annotated[int, typer.Option(min=1, max=200, help="simulated days per scenario")] = 20,
    cap: Annotated[float | None, typer.Option(help="no service's p90 wait above this (minutes)")] = None,
    out: Annotated[Path | None, typer.Option(help="where to write the proposal (a profile file)")] = None,
    seed: Annotated[int, typer.Option(help="the random seed (same seed, same answer)")] = 1,
    hall: HallOption = None,
    db: DbOption = "hallq.db",
) -> None:
    """Simulate the day under today's allocation, recommend a better one, write it as a profile file."""
    import datetime as dt

    from hallq.advise import advise_day

    day = dt.date.fromisoformat(date)
    runtime = _runtime(db)
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
        ) as bar:
            task = bar.add_task("simulating", total=replications)

            def progress(what: str, done: int, total: int) -> None:
                bar.update(task, description=f"simulating {what}", completed=done, total=total)

            found, content, known = advise_day(runtime, hall, day, replications, cap, seed, progress)
    except DomainError as error:
        _fail(error)
    finally:
        runtime.stop()
    from hallq.advise import breaks_table, comparison_table, learned_table

    Console(soft_wrap=True).print(learned_table(known))
    Console(soft_wrap=True).print(breaks_table(known))
    Console(soft_wrap=True).print(comparison_table(found))
    target = out or Path(f"proposal-{content['hall']}-{day.isoformat()}.json")
    target.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    console.print(
        f"hall p90 wait {found.current.p90_wait.mean / 60:.1f} → {found.proposed.p90_wait.mean / 60:.1f} min "
        f"({found.gain:.0%} lower) with {len(found.moves)} changes; proposal written to {target} "
        f"(apply a block with `hallq apply-proposal {target} --block HH:MM`)"
    )


@app.command("apply-proposal")
def apply_proposal(
    file: Path,
    block: Annotated[str, typer.Option(help="the block to apply, by its start (HH:MM)")],
    db: DbOption = "hallq.db",
) -> None:
    """Apply one block of a proposal file through the audited work-profile API."""
    from queue_server import contract as c
    from queue_server.domain.actors import Actor
    from queue_server.domain.errors import Rejected
    from queue_server.services.advisor.proposal import apply_block
    from queue_server.services.advisor.public import predict

    content = json.loads(file.read_text(encoding="utf-8"))
    runtime = _runtime(db)
    try:

        def apply(uow: Any) -> list[str]:
            hall_id = uow.stores.hall.hall_id(content.get("hall"))
            actor = Actor(hall_id, "manager", name="hallq apply-proposal")
            changed = apply_block(uow, actor, content, block)
            if content.get("date"):  # the day's prediction now, kept for the next day's check
                try:
                    ask = c.AdvisorPredictIn(date=content["date"])
                    predict(uow, actor, uow.stores.history, ask, f"proposal {block}")
                except Rejected as refused:  # no history to predict from: the allocation still applies
                    console.print(f"no prediction kept: {refused.code}")
            return changed

        changed = runtime.write_sync(apply)
    except DomainError as error:
        _fail(error)
    finally:
        runtime.stop()
    console.print(f"applied block {block}: windows {', '.join(changed) or '(none)'}")


def _sqlite_path(db: str) -> str:
    url = normalise_url(db)
    if not is_sqlite(url):
        console.print(
            "PostgreSQL: back up with `pg_dump --format=custom --file=hallq.dump DBNAME` and restore with "
            "`pg_restore --clean --if-exists --dbname=DBNAME hallq.dump` (stop the servers first)."
        )
        raise typer.Exit(2)
    return url.split("///", 1)[1]


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, label: str) -> None:
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), console=console) as bar:
        task = bar.add_task(label, total=None)

        def progress(_status: int, remaining: int, total: int) -> None:
            bar.update(task, total=total, completed=total - remaining)

        source.backup(target, pages=256, progress=progress)


@app.command()
def backup(dest: Path, db: DbOption = "hallq.db") -> None:
    """Copy a live SQLite database to DEST consistently (the server may keep running)."""
    path = _sqlite_path(db)
    with sqlite3.connect(path) as source, sqlite3.connect(dest) as target:
        _copy(source, target, "backing up")
    console.print(f"backed up {path} to {dest}")


@app.command()
def restore(source: Path, db: DbOption = "hallq.db") -> None:
    """Replace the SQLite database with a backup (stop the server first)."""
    path = _sqlite_path(db)
    with sqlite3.connect(source) as backup_conn:
        check = backup_conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            console.print(f"[red]{source} is damaged: {check}[/red]")
            raise typer.Exit(2)
        with sqlite3.connect(path) as target:
            _copy(backup_conn, target, "restoring")
    console.print(f"restored {path} from {source}")


@app.command("nginx-site")
def nginx_site_command(
    server_name: Annotated[str, typer.Option(help="the hall's host name, e.g. hallq.example.gov.cn")],
    upstream: Annotated[list[str], typer.Option(help="host:port of a `hallq serve` process (repeat)")],
    certificate: Annotated[str, typer.Option(help="TLS certificate chain (PEM)")],
    certificate_key: Annotated[str, typer.Option(help="its private key (PEM)")],
) -> None:
    """Print the nginx site for this hall, from deploy/nginx/hallq-site.conf (docs/operations.md)."""
    from hallq.deploy import Site, nginx_site

    site = Site(server_name, upstream, certificate, certificate_key)
    typer.echo(nginx_site(site), nl=False)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
