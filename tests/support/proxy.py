"""A real nginx (Debian's package) with a throwaway TLS certificate in front of ``hallq serve``
processes, configured from the same site template as ``deploy/`` (``hallq.deploy.nginx_site``)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hallq.bootstrap import build_runtime, demo_catalogue
from hallq.deploy import Site, nginx_site
from queue_server import contract as c
from queue_server.config import ServerSettings
from queue_server.services.admin.accounts import create_token
from queue_server.services.admin.catalogue_file import import_catalogue
from tests.support.hall_server import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SERVICE, WINDOW = "RS001", "2"  # a service of the demo hall and a window that serves it


def seed_hall(db_url: str, uncapped: bool = False) -> dict[str, str]:
    """The demo hall, open every day (and without daily caps, for benchmarks), and a token for the
    kiosk, the board and window 2's clerk."""
    runtime = build_runtime(ServerSettings(db=db_url))
    data = demo_catalogue()
    data = data.model_copy(update={"hall": data.hall.model_copy(update={"hours": {}, "always_open": True})})
    if uncapped:
        data = data.model_copy(
            update={"services": [s.model_copy(update={"daily_cap": None}) for s in data.services]}
        )
    runtime.write_sync(lambda uow: import_catalogue(uow, data))
    made = {
        name: runtime.write_sync(
            lambda uow, role=role, window=window, name=name: create_token(
                uow, runtime.tokens, hall=None, role=role, window=window, label=f"proxy test {name}"
            )
        )
        for name, role, window in (
            ("kiosk", c.Role.KIOSK, None),
            ("board", c.Role.BOARD, None),
            ("clerk", c.Role.CLERK, WINDOW),
        )
    }
    runtime.stop()
    runtime.write_engine.dispose()
    return made


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (valid one day) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hallq test hall")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "hall.crt", folder / "hall.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


MAIN_CONF = """\
{user}
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections {connections}; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {root}/tmp/body;
    proxy_temp_path {root}/tmp/proxy;
    fastcgi_temp_path {root}/tmp/fastcgi;
    uwsgi_temp_path {root}/tmp/uwsgi;
    scgi_temp_path {root}/tmp/scgi;
    include {root}/site.conf;
}}
"""


@dataclass
class Proxy:
    """nginx on loopback ports in a folder of its own, in front of ``upstreams``."""

    root: Path
    upstreams: list[str]
    https_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    connections: int = 1024  # per worker; a proxied websocket holds two (client and upstream)

    @property
    def url(self) -> str:
        """The HTTPS base URL clients use."""
        return f"https://127.0.0.1:{self.https_port}"

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the throwaway certificate only."""
        return ssl.create_default_context(cafile=str(self.root / "hall.crt"))

    def client(self) -> httpx.Client:
        """An HTTPS client through the proxy."""
        return httpx.Client(base_url=self.url, verify=self.ssl_context(), timeout=15)

    def start(self, timeout: float = 60.0) -> Proxy:
        """Render the site from deploy/, start nginx and wait until it answers over TLS."""
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        cert, key = throwaway_certificate(self.root)
        site = Site(
            server_name="127.0.0.1 localhost",
            upstreams=self.upstreams,
            certificate=str(cert),
            certificate_key=str(key),
            https_listen=f"127.0.0.1:{self.https_port}",
            http_listen=f"127.0.0.1:{self.http_port}",
            cache_dir=str(self.root / "cache"),
            access_log=str(self.root / "access.log"),
            error_log=str(self.root / "error.log"),
        )
        (self.root / "site.conf").write_text(nginx_site(site), encoding="utf-8")
        user = "user root root;" if os.geteuid() == 0 else ""  # workers write the cache in our folder
        conf = self.root / "nginx.conf"
        conf.write_text(
            MAIN_CONF.format(root=self.root, user=user, connections=self.connections), encoding="utf-8"
        )
        checked = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(self.root)], capture_output=True)
        assert checked.returncode == 0, checked.stderr.decode()
        log = (self.root / "nginx.out").open("ab")
        self.process = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(self.root)], stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while time.monotonic() < deadline:
                assert self.process.poll() is None, (self.root / "error.log").read_text()
                try:
                    client.get("/healthz")
                    return self
                except httpx.TransportError:
                    time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        """Stop nginx (quickly: SIGTERM)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
