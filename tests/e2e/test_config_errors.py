"""A wrong Palisade configuration is refused by Envoy at start-up, and the Envoy log names every
mistake by its JSON path (the filter logs each error, then on_configure returns false)."""

from __future__ import annotations

import re

import harness
from harness import Listener


def error_lines(envoy) -> list[str]:
    return [l for l in envoy.log().splitlines() if re.search(r"\]\[(critical|error)\]\[", l)]


def assert_named(lines: list[str], path: str) -> None:
    # The path followed by ':' as in "ip.deny[1]: ..." (see config::ConfigError's Display).
    assert any(f"{path}:" in l for l in lines), f"{path} not named in:\n" + "\n".join(lines)


def test_configuration_with_three_mistakes_is_refused_and_the_log_names_all_three(envoys):
    bad = {
        "ip": {"deny": ["10.0.0.0/8", "10.0.0.0/33"]},
        "policies": {"admin": {"limits": {"methods": ["get"]}}},
        "routes": [{"prefix": "/admin", "policy": "missing"}],
    }
    envoy = envoys.refuse([Listener("bad", harness.free_port(), bad)])
    lines = error_lines(envoy)
    for path in ("ip.deny[1]", "policies.admin.limits.methods[0]", "routes[0].policy"):
        assert_named(lines, path)


def test_waf_settings_out_of_range_are_refused_with_their_paths(envoys):
    bad = {"policies": {"api": {"waf": {"paranoia_level": 5, "automata_memory_mib": 8}}}}
    envoy = envoys.refuse([Listener("bad", harness.free_port(), bad)])
    lines = error_lines(envoy)
    for path in ("policies.api.waf.paranoia_level", "policies.api.waf.automata_memory_mib"):
        assert_named(lines, path)


def test_three_structural_mistakes_are_all_reported(envoys):
    bad = {
        "mode": "block",
        "ip": {"alow": ["10.0.0.0/8"]},
        "policies": {"p": {"limits": {"max_body_bytes": -1}}},
    }
    envoy = envoys.refuse([Listener("bad", harness.free_port(), bad)])
    lines = error_lines(envoy)
    for path in ("mode", "ip.alow", "policies.p.limits.max_body_bytes"):
        assert_named(lines, path)


def test_structural_and_semantic_mistakes_are_reported_together(envoys):
    bad = {
        "mode": "block",
        "ip": {"deny": ["10.0.0.0/33"]},
        "routes": [{"prefix": "/a", "policy": "missing"}],
    }
    envoy = envoys.refuse([Listener("bad", harness.free_port(), bad)])
    lines = error_lines(envoy)
    for path in ("mode", "ip.deny[0]", "routes[0].policy"):
        assert_named(lines, path)


def test_text_that_is_not_json_is_refused(envoys):
    envoy = envoys.refuse([Listener("bad", harness.free_port(), "{not json")])
    assert any("not valid JSON" in l for l in error_lines(envoy)), envoy.log()[-2000:]


def test_empty_configuration_is_accepted(envoys):
    envoy = envoys.start([Listener("empty", harness.free_port(), "")], name="empty")
    assert envoy.alive()
