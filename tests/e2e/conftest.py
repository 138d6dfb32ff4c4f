"""Fixtures shared by the end-to-end tests: the echo upstream, a test certificate, and a factory
that starts Envoys with Palisade and always stops them (module-scoped: one Envoy per test module
serves all its tests, which keeps the suite fast)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import harness
from harness import Envoy, Listener


def pytest_configure(config):
    if not harness.WASM.exists():
        raise pytest.UsageError(f"{harness.WASM} is missing: run `make build` first (or `make e2e`).")


@pytest.fixture(scope="session")
def echo():
    upstream = harness.EchoUpstream()
    yield upstream
    upstream.stop()


@pytest.fixture(scope="session")
def cert(tmp_path_factory) -> harness.Cert:
    return harness.make_self_signed_cert(tmp_path_factory.mktemp("certs"))


class EnvoyFactory:
    """Starts Envoys for one test module; every one of them is stopped when the module is done."""

    def __init__(self, workdir: Path, echo: harness.EchoUpstream):
        self.workdir = workdir
        self.echo = echo
        self.started: list[Envoy] = []
        self._names = itertools.count()

    def config(self, listeners: list[Listener], access_log: bool = True) -> dict:
        return harness.envoy_config(
            listeners,
            admin_port=harness.free_port(),
            upstream=(self.echo.host, self.echo.port),
            access_log_path=self.workdir / f"access-{next(self._names)}.log" if access_log else None,
        )

    def start(self, listeners: list[Listener], *, name: str = "envoy", concurrency: int = 1, **kwargs) -> Envoy:
        envoy = Envoy(self.config(listeners), self.workdir, name=f"{name}-{next(self._names)}", concurrency=concurrency, **kwargs)
        self.started.append(envoy)
        return envoy.start()

    def refuse(self, listeners: list[Listener], *, name: str = "refused", timeout: float = 30.0) -> Envoy:
        """Starts an Envoy that is expected to refuse its configuration; returns it stopped, with
        its log to inspect. Fails the test if it came up ready."""
        envoy = Envoy(self.config(listeners, access_log=False), self.workdir, name=f"{name}-{next(self._names)}")
        self.started.append(envoy)
        code = envoy.run_until_exit(timeout=timeout)
        if code == 0 or code is None:
            pytest.fail(f"Envoy accepted the configuration (exit code {code}); log:\n{envoy.log()[-3000:]}")
        return envoy

    def stop_all(self) -> None:
        for envoy in self.started:
            envoy.stop()


@pytest.fixture(scope="module")
def envoys(tmp_path_factory, echo):
    factory = EnvoyFactory(tmp_path_factory.mktemp("envoy"), echo)
    yield factory
    factory.stop_all()


def access_log_of(envoy: Envoy) -> Path:
    """The access log file of an Envoy started by the factory."""
    hcm = envoy.config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    return Path(hcm["access_log"][0]["typed_config"]["path"])
