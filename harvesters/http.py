"""The one HTTP client that touches publisher-supplied URLs (harvests now, previews later).

A harvest URL is typed in by whoever registers a source, so every request is treated as a possible
server-side request forgery: only http(s); every hop of a redirect chain is resolved and refused when it
points at a private, loopback, link-local, multicast or reserved address; and the address the socket
actually connected to is checked again, which defeats DNS rebinding (a name that resolves to a public
address for the check and to 127.0.0.1 for the connection). Bodies are capped in bytes and in wall-clock
time, so a hostile or broken server cannot exhaust memory or hang a worker.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import url2pathname

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from harvesters.source import HarvestError

MB = 1024 * 1024
CHUNK = 64 * 1024
REDIRECTS = {301, 302, 303, 307, 308}
RETRY_STATUSES = {429, 500, 502, 503, 504}
USER_AGENT = "Kaifang-harvester/0.1 (+https://github.com/kaifang)"


class AddressPolicy:
    """Which peer addresses may be contacted: public unicast ones, plus any `allowed` networks
    (an intranet portal may list its own; tests list 127.0.0.1 for their local fixture server)."""

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allowed = [ipaddress.ip_network(net, strict=False) for net in allowed]

    def check(self, address: str, host: str | None = None) -> None:
        """Raise HarvestError unless `address` is public (IPv4 or IPv6) or explicitly allowed."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.allowed if net.version == ip.version):
            return
        if (not ip.is_global or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified):
            where = f"{host} resolves to {ip}" if host and host != str(ip) else str(ip)
            raise HarvestError(f"refused: {where}, a private or reserved address")


class _PeerCheck:
    """Mixin for urllib3 connections: check the address the socket really connected to."""

    policy: AddressPolicy

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        try:
            self.policy.check(sock.getpeername()[0], self.host)  # type: ignore[attr-defined]
        except HarvestError:
            sock.close()
            raise
        return sock


def guarded_connection(policy: AddressPolicy, tls: bool) -> type:
    """A urllib3 connection class that enforces `policy` on the connected socket."""
    return type("GuardedConnection", (_PeerCheck, HTTPSConnection if tls else HTTPConnection),
                {"policy": policy})


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: AddressPolicy) -> None:
        self.pools = {
            scheme: type("GuardedPool", (pool,), {"ConnectionCls": guarded_connection(policy, tls)})
            for scheme, pool, tls in (("http", HTTPConnectionPool, False),
                                      ("https", HTTPSConnectionPool, True))
        }
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - requests' signature
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self.pools


@dataclass
class Fetched:
    url: str
    status: int
    content_type: str | None
    encoding: str | None
    data: bytes


class Body:
    """The chunks of one response (an iterator), with where they came from."""

    def __init__(self, url: str, status: int, content_type: str | None, encoding: str | None,
                 chunks: Iterator[bytes]) -> None:
        self.url, self.status, self.content_type, self.encoding = url, status, content_type, encoding
        self._chunks = chunks

    def __iter__(self) -> Body:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)


class GuardedClient:
    """`allow_private` is True (any address), False (public addresses only) or a list of networks allowed
    besides the public ones. `allow_files` admits file:// URLs and plain paths (the CLI only)."""

    def __init__(self, allow_private: bool | Iterable[str] = False, allow_files: bool = False,
                 connect_timeout: float = 10, read_timeout: float = 30, total_timeout: float = 120,
                 max_bytes: int = 50 * MB, max_redirects: int = 5, retries: int = 3, backoff: float = 0.5,
                 max_retry_wait: float = 30) -> None:
        self.allow_private = allow_private is True
        self.policy = AddressPolicy(() if isinstance(allow_private, bool) else allow_private)
        self.allow_files = allow_files
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.total_timeout = total_timeout
        self.max_bytes, self.max_redirects = max_bytes, max_redirects
        self.retries, self.backoff, self.max_retry_wait = retries, backoff, max_retry_wait
        self.session = requests.Session()
        self.session.trust_env = False  # a proxy would hide the peer address the guard checks
        self.session.headers["User-Agent"] = USER_AGENT
        if not self.allow_private:
            for scheme in ("http://", "https://"):
                self.session.mount(scheme, _GuardedAdapter(self.policy))

    def close(self) -> None:
        self.session.close()

    def get_bytes(self, url: str, accept: str | None = None) -> Fetched:
        with self.stream(url, accept=accept) as body:
            data = b"".join(body)
        return Fetched(body.url, body.status, body.content_type, body.encoding, data)

    @contextmanager
    def stream(self, url: str, accept: str | None = None) -> Iterator[Body]:
        """Yield the response body as chunks, cut at max_bytes and at total_timeout."""
        if self._is_file(url):
            yield self._file(url)
            return
        deadline = time.monotonic() + self.total_timeout
        response = self._open(url, accept, deadline)
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            response.close()
            raise HarvestError(f"{response.url}: response exceeds {self.max_bytes} bytes "
                               f"(Content-Length {length})")
        try:
            content_type = response.headers.get("Content-Type")
            yield Body(response.url, response.status_code, content_type, response.encoding,
                       self._limited(response, deadline))
        finally:
            response.close()

    # -- http -----------------------------------------------------------------------------------------
    def _open(self, url: str, accept: str | None, deadline: float) -> requests.Response:
        """GET with manual redirects (each hop re-checked) and retries on 429/5xx."""
        for _hop in range(self.max_redirects + 1):
            response = self._get_with_retries(url, accept, deadline)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECTS or not location:
                if response.status_code >= 400:
                    response.close()
                    raise HarvestError(f"{url}: HTTP {response.status_code} {response.reason or ''}".strip())
                return response
            response.close()
            url = urljoin(url, location)
        raise HarvestError(f"{url}: more than {self.max_redirects} redirects")

    def _get_with_retries(self, url: str, accept: str | None, deadline: float) -> requests.Response:
        self._check_url(url)
        headers = {"Accept": accept} if accept else {}
        for attempt in range(self.retries + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise HarvestError(f"{url}: timed out after {self.total_timeout:g} s")
            try:
                response = self.session.get(
                    url, headers=headers, stream=True, allow_redirects=False,
                    timeout=(min(self.connect_timeout, remaining), min(self.read_timeout, remaining)))
            except requests.Timeout as exc:
                raise HarvestError(f"{url}: timed out ({_reason(exc)})") from exc
            except requests.RequestException as exc:
                if attempt == self.retries:
                    raise HarvestError(f"{url}: {_reason(exc)}") from exc
                time.sleep(self._wait(attempt, None, deadline))
                continue
            if response.status_code not in RETRY_STATUSES or attempt == self.retries:
                return response
            response.close()
            time.sleep(self._wait(attempt, response.headers.get("Retry-After"), deadline))
        raise AssertionError("unreachable")

    def _wait(self, attempt: int, retry_after: str | None, deadline: float) -> float:
        wait = self.backoff * 2 ** attempt
        if retry_after:
            wait = _retry_after(retry_after, wait)
        return max(0.0, min(wait, self.max_retry_wait, deadline - time.monotonic()))

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise HarvestError(f"{url}: only http(s) URLs can be harvested")
        if not parts.hostname:
            raise HarvestError(f"{url}: no host")
        if self.allow_private:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise HarvestError(f"{url}: cannot resolve {parts.hostname} ({exc.strerror})") from exc
        for info in infos:
            self.policy.check(str(info[4][0]), parts.hostname)

    def _limited(self, response: requests.Response, deadline: float) -> Iterator[bytes]:
        """Read whatever has arrived (read1, not read: a server dripping one byte at a time must still
        reach the deadline check), decoded, so a gzip bomb is measured by what it expands to."""
        total = 0
        try:
            while chunk := response.raw.read1(CHUNK, decode_content=True):
                total += len(chunk)
                if total > self.max_bytes:
                    raise HarvestError(f"{response.url}: response exceeds {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise HarvestError(f"{response.url}: timed out after {self.total_timeout:g} s")
                yield chunk
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise HarvestError(f"{response.url}: {_reason(exc)}") from exc

    # -- local files (CLI only) -----------------------------------------------------------------------
    def _is_file(self, url: str) -> bool:
        scheme = urlsplit(url).scheme
        if scheme in ("http", "https"):
            return False
        if scheme == "file" or not scheme or len(scheme) == 1:  # "C:\..." has a one-letter scheme
            if not self.allow_files:
                raise HarvestError(f"{url}: local files can only be harvested from the command line")
            return True
        raise HarvestError(f"{url}: only http(s) URLs can be harvested")

    def _file(self, url: str) -> Body:
        parts = urlsplit(url)
        path = Path(url2pathname(unquote(parts.path)) if parts.scheme == "file" else url)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise HarvestError(f"{path}: {exc.strerror}") from exc
        if size > self.max_bytes:
            raise HarvestError(f"{path}: file exceeds {self.max_bytes} bytes")
        return Body(path.resolve().as_uri(), 200, None, None, _read_chunks(path))


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _retry_after(value: str, default: float) -> float:
    """Retry-After is either seconds or an HTTP date."""
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(value).timestamp() - time.time()
    except (TypeError, ValueError):
        return default


def _reason(exc: Exception) -> str:
    """One line from requests' nested exception text."""
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__
