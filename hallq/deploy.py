"""The production files of ``deploy/`` filled in for one site (``hallq nginx-site``).

The templates use ``{{ name }}`` fields, which nginx's own ``$variables`` never clash with; a field
left unfilled is an error, never a silently broken configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
SITE_TEMPLATE = DEPLOY / "nginx" / "hallq-site.conf"
_FIELD = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def render(template: str, values: dict[str, str]) -> str:
    """``template`` with every ``{{ name }}`` replaced; a name without a value raises KeyError."""
    missing = sorted({name for name in _FIELD.findall(template) if name not in values})
    if missing:
        raise KeyError(f"no value for {', '.join(missing)}")
    return _FIELD.sub(lambda match: values[match.group(1)], template)


@dataclass
class Site:
    """What differs between one hall's nginx site and another's."""

    server_name: str
    upstreams: list[str]  # host:port of each `hallq serve` process
    certificate: str
    certificate_key: str
    https_listen: str = "443"
    http_listen: str = "80"
    cache_dir: str = "/var/cache/nginx/hallq"
    max_body: str = "2m"
    access_log: str = "/var/log/nginx/hallq.access.log"
    error_log: str = "/var/log/nginx/hallq.error.log"
    extra: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        """The template's fields."""
        port = self.https_listen.rsplit(":", 1)[-1]
        return {
            "server_name": self.server_name,
            "upstreams": "\n".join(
                f"    server {address} max_fails=1 fail_timeout=5s;" for address in self.upstreams
            ),
            "certificate": self.certificate,
            "certificate_key": self.certificate_key,
            "https_listen": self.https_listen,
            "http_listen": self.http_listen,
            "https_port_suffix": "" if port == "443" else f":{port}",
            "cache_dir": self.cache_dir,
            "max_body": self.max_body,
            "access_log": self.access_log,
            "error_log": self.error_log,
            **self.extra,
        }


def nginx_site(site: Site, template: Path = SITE_TEMPLATE) -> str:
    """The nginx site for ``site``, from the template shipped in ``deploy/``."""
    return render(template.read_text(encoding="utf-8"), site.values())
