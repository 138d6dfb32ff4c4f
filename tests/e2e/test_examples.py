"""The files users copy from stay working: every Envoy configuration in envoy/ and examples/
passes `envoy --mode validate` (which loads the wasm and runs Palisade's on_configure), every
examples/*.json is accepted by `palisade check` and by the filter in Envoy, and the commands
`make run` prints give the statuses it promises."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import harness
from harness import Listener

ROOT = harness.ROOT
sys.path.insert(0, str(ROOT / "scripts"))
import render_envoy_config  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
ENVOY_CONFIGS = sorted(
    p
    for p in [*(ROOT / "envoy").glob("*.yaml"), *(ROOT / "examples").glob("*.yaml")]
    if "static_resources" in p.read_text()
)


def test_there_are_examples_and_envoy_configs():
    assert {p.name for p in EXAMPLES} >= {"demo.json", "behind-proxy.json", "monitor-rollout.json"}
    assert {p.name for p in ENVOY_CONFIGS} >= {"envoy.yaml", "envoy-docker.yaml"}


@pytest.fixture(scope="module")
def validate_dir(tmp_path_factory, cert):
    """A directory laid out like the repository (dist/, envoy/certs/) and like the container
    (/etc/palisade, /etc/envoy/certs mapped into it), so relative and container paths resolve."""
    d = tmp_path_factory.mktemp("validate")
    (d / "dist").mkdir()
    os.symlink(harness.WASM, d / "dist" / "palisade.wasm")
    (d / "envoy" / "certs").mkdir(parents=True)
    shutil.copy(cert.cert, d / "envoy" / "certs" / "server.crt")
    shutil.copy(cert.key, d / "envoy" / "certs" / "server.key")
    return d


@pytest.mark.parametrize("config", ENVOY_CONFIGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_envoy_config_passes_envoy_validate_mode(config, validate_dir):
    text = config.read_text()
    text = text.replace("/etc/palisade/palisade.wasm", str(validate_dir / "dist" / "palisade.wasm"))
    text = text.replace("/etc/envoy/certs/", str(validate_dir / "envoy" / "certs") + "/")
    target = validate_dir / config.name
    target.write_text(text)
    result = subprocess.run(
        [harness.envoy_binary(), "--mode", "validate", "-c", str(target), "--log-level", "warn"],
        cwd=validate_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "OK" in result.stdout + result.stderr


def test_envoy_validate_mode_catches_a_wrong_palisade_configuration(validate_dir):
    text = render_envoy_config.render((ROOT / "envoy" / "envoy.yaml").read_text(), '{"mode": "block"}')
    target = validate_dir / "wrong.yaml"
    target.write_text(text)
    result = subprocess.run(
        [harness.envoy_binary(), "--mode", "validate", "-c", str(target)],
        cwd=validate_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "mode" in result.stdout + result.stderr


def test_envoy_yaml_embeds_examples_demo_json():
    embedded = render_envoy_config.embedded_config((ROOT / "envoy" / "envoy.yaml").read_text())
    assert json.loads(embedded) == json.loads((ROOT / "examples" / "demo.json").read_text())


def test_every_example_is_accepted_by_palisade_check():
    files = [str(p.relative_to(ROOT)) for p in [*EXAMPLES, *ENVOY_CONFIGS]]
    result = subprocess.run(
        ["cargo", "run", "--quiet", "--bin", "palisade", "--", "check", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_palisade_check_names_the_mistakes_and_exits_1(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"ip": {"deny": ["10.0.0.0/33"]}, "routes": [{"prefix": "/a", "policy": "nope"}]}))
    result = subprocess.run(
        ["cargo", "run", "--quiet", "--bin", "palisade", "--", "check", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ip.deny[0]" in result.stdout and "routes[0].policy" in result.stdout, result.stdout


def test_every_example_is_accepted_by_the_filter_in_envoy(envoys):
    listeners = [Listener(p.stem.replace("-", "_"), harness.free_port(), p.read_text()) for p in EXAMPLES]
    envoy = envoys.start(listeners, name="examples")
    for listener in listeners:
        r = requests.get(envoy.url(listener.name, "/"), timeout=10)
        assert r.status_code == 200, (listener.name, r.text)


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_make_run_commands_work_as_printed():
    busy = [p for p in (10000, 10443, 9901, 8081) if _port_in_use(p)]
    if busy:
        pytest.skip(f"ports {busy} are in use (is `make run` running?)")
    subprocess.run([str(ROOT / "scripts" / "make-certs.sh"), str(ROOT / "envoy" / "certs")], check=True, timeout=60)
    result = subprocess.run(
        [str(ROOT / "scripts" / "run.sh"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("\nok ") + result.stdout.startswith("ok ") >= 12, result.stdout
