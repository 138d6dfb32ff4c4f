#!/usr/bin/env python3
"""`make waf-eval`: detection and false-positive rates of Palisade's WAF in real Envoy on a WAF
corpus, at paranoia levels 1 and 2, side by side with nginx + ModSecurity v3 + OWASP CRS at the same
levels when that peer is installed (or `--peer 1`, which installs it).

1. One Envoy (the e2e harness, dist/palisade.wasm) with a listener per level, each answering with
   a direct 200 (Palisade holds headers and body until its verdict, so the 200 only comes for
   requests it let through; a smoke check proves a body-only attack is blocked). The corpus is
   replayed against each listener with the shared replayer (../shared/corpus/replay.py: verbatim
   requests, a new connection each, bounded by --max-seconds).
2. The peer: scripts/waf-eval-peer.sh, which drives ../shared/peers/modsec's own scripts.
3. Offline, when target/release/palisade exists: `palisade eval` on the same corpus, as a check.
4. The report: per category detection (attacks) and false positives (benign), for every run, and
   the same over the attacks whose CRS rule is at a paranoia level <= the one running (from the
   corpus's .meta.jsonl sidecar). Written to stdout and to OUT/report.md (markdown).

Blocked = answered 403 (replay.py's default; both WAFs deny with 403). Everything stays on
loopback; every process started here is stopped.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
import harness  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "waf-dev.jsonl"
PEER_SCRIPT = ROOT / "scripts" / "waf-eval-peer.sh"
CLI = Path(os.environ.get("PALISADE_CLI", ROOT / "target" / "release" / "palisade"))


def palisade_config(pl: int) -> dict:
    return {"policies": {"default": {"waf": {"paranoia_level": pl}}}}


def rows(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Runs


def smoke(envoy: harness.Envoy, listener: str) -> None:
    """A benign GET passes; SQL injection only in a form body is blocked (proves the body is
    inspected before the direct response)."""

    def call(data: bytes | None) -> int:
        # Browser-like headers: at PL2 a scripting User-Agent or a missing Accept scores.
        headers = {"Host": "localhost", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "Accept": "*/*"}
        if data:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(envoy.url(listener, "/api/items"), data=data, headers=headers, method="POST" if data else "GET")
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    got = (call(None), call(b"q=1%27%20UNION%20SELECT%20password%20FROM%20users--"))
    if got != (200, 403):
        raise SystemExit(f"waf-eval: smoke check on {listener} failed: benign GET / SQLi body gave {got}, want (200, 403)")


def replay(corpus: Path, base_url: str, out: Path, args) -> None:
    cmd = [
        sys.executable, str(args.replay), str(corpus), "--base-url", base_url, "--out", str(out),
        "--threads", str(args.threads), "--blocked-statuses", args.blocked_statuses,
        "--max-seconds", str(args.max_seconds),
    ]  # fmt: skip
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    out.with_suffix("").with_suffix(".txt").write_text(text)
    print(text, flush=True)


def run_palisade(corpus: Path, out_dir: Path, args) -> None:
    listeners = [harness.Listener(f"pl{pl}", harness.free_port(), palisade_config(pl), direct_response=200) for pl in args.pls]
    config = harness.envoy_config(listeners, admin_port=harness.free_port())
    envoy = harness.Envoy(config, out_dir, name="envoy", log_level="warn")
    try:
        envoy.start()
        for pl in args.pls:
            smoke(envoy, f"pl{pl}")
        for pl in args.pls:
            print(f"== Palisade PL{pl}: {corpus.name} against Envoy + Palisade at {envoy.url(f'pl{pl}', '')}", flush=True)
            replay(corpus, envoy.url(f"pl{pl}", ""), out_dir / f"palisade-pl{pl}.results.jsonl", args)
    finally:
        envoy.stop()


def peer_installed() -> bool:
    return (
        os.access("/usr/sbin/nginx", os.X_OK)
        and Path("/usr/lib/nginx/modules/ngx_http_modsecurity_module.so").exists()
        and Path("/usr/share/modsecurity-crs/rules").is_dir()
    )


def run_peer(corpus: Path, out_dir: Path, args) -> str | None:
    """Runs the peer; returns why it did not run, or None."""
    if args.peer == "0":
        return "not asked for (PEER=0)"
    if args.peer == "auto" and not peer_installed():
        return "not installed: `make waf-eval PEER=1` installs nginx, libnginx-mod-http-modsecurity and modsecurity-crs"
    env = {
        **os.environ,
        "CORPUS": str(corpus),
        "REPLAY": str(args.replay),
        "PLS": " ".join(str(pl) for pl in args.pls),
        "THREADS": str(args.threads),
        "MAX_SECONDS": str(args.max_seconds),
        "BLOCKED_STATUSES": args.blocked_statuses,
        "INSTALL": "1" if args.peer == "1" else "0",
    }
    code = subprocess.run([str(PEER_SCRIPT), str(out_dir)], env=env).returncode
    if code == 3:
        return "not installed"
    if code != 0:
        raise SystemExit(f"waf-eval: the peer run failed (exit {code})")
    return None


def run_cli(corpus: Path, out_dir: Path, args) -> None:
    if not CLI.exists():
        return
    for pl in args.pls:
        cfg = out_dir / f"palisade-pl{pl}.json"
        cfg.write_text(json.dumps(palisade_config(pl)))
        out = subprocess.run(
            [str(CLI), "eval", "--config", str(cfg), str(corpus), "--format", "json", "--blocked-statuses", args.blocked_statuses],
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        (out_dir / f"cli-pl{pl}.json").write_text(out.stdout)


# --------------------------------------------------------------------------------------------
# Report


class Run:
    """One replay's results: per category, attacks blocked (detection) and benign blocked (FP)."""

    def __init__(self, label: str, path: Path, blocked: set[int], pl: int, pl_of: dict[str, int]):
        self.label, self.pl = label, pl
        self.results = list(rows(path))
        self.statuses = collections.Counter(r["status"] if r["status"] is not None else r["error"] for r in self.results)
        self.cat = collections.defaultdict(collections.Counter)
        self.scoped = collections.defaultdict(collections.Counter)
        for r in self.results:
            hit = r["status"] in blocked
            key = r["category"] if r["attack"] else "benign"
            self.cat[key]["n"] += 1
            self.cat[key]["blocked"] += hit
            if r["attack"]:
                self.cat["*attacks"]["n"] += 1
                self.cat["*attacks"]["blocked"] += hit
                rule_pl = pl_of.get(r["id"])
                if rule_pl is not None and rule_pl <= pl:
                    for k in (r["category"], "*attacks"):
                        self.scoped[k]["n"] += 1
                        self.scoped[k]["blocked"] += hit

    def rate(self, key: str, scoped: bool = False) -> str:
        c = (self.scoped if scoped else self.cat).get(key)
        if not c or not c["n"]:
            return "–"
        text = f"{100 * c['blocked'] / c['n']:.2f}%"
        return f"{text} ({c['n']})" if scoped else text


def table(runs: list[Run], scoped: bool, markdown: bool) -> list[str]:
    base = runs[0]
    order = sorted((k for k in base.cat if not k.startswith("*") and k != "benign"), key=lambda k: (-base.cat[k]["n"], k))
    keys = order + ["*attacks"] + ([] if scoped else ["benign"])
    head = ["category"] + ([] if scoped else ["n"]) + [r.label + (f", rules at PL≤{r.pl}" if scoped else "") for r in runs]
    body = []
    for k in keys:
        name = {"*attacks": "all attacks", "benign": "benign (FP)"}.get(k, k)
        if markdown and k in ("*attacks", "benign"):
            name = f"**{name}**"
        body.append([name] + ([] if scoped else [str(base.cat[k]["n"])]) + [r.rate(k, scoped) for r in runs])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
        out += ["| " + " | ".join(row) + " |" for row in body]
        return out
    widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
    fmt = lambda row: "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))  # noqa: E731
    return [fmt(head)] + [fmt(row) for row in body]


def cli_lines(out_dir: Path, pls: list[int]) -> list[str]:
    lines = []
    for pl in pls:
        p = out_dir / f"cli-pl{pl}.json"
        if p.exists():
            j = json.loads(p.read_text())
            lines.append(
                f"palisade eval (offline, same engine) PL{pl}: detection {j['attacks']['detection']:.2f}% "
                f"({j['attacks']['blocked']}/{j['attacks']['cases']}), false positives "
                f"{j['benign']['false_positive_rate']:.2f}% ({j['benign']['blocked']}/{j['benign']['cases']})"
            )
    return lines


def report(corpus: Path, meta: Path | None, out_dir: Path, args, peer_note: str | None, facts: dict) -> str:
    blocked = {int(x) for x in args.blocked_statuses.split(",") if x.strip()}
    pl_of = {m["id"]: m.get("paranoia_level") for m in rows(meta) if "id" in m} if meta else {}
    runs = []
    for pl in args.pls:
        runs.append(Run(f"Palisade PL{pl}", out_dir / f"palisade-pl{pl}.results.jsonl", blocked, pl, pl_of))
        crs = out_dir / f"crs-pl{pl}.results.jsonl"
        if peer_note is None and crs.exists():
            runs.append(Run(f"CRS PL{pl}", crs, blocked, pl, pl_of))
    text, md = [], []
    for lines, markdown in ((text, False), (md, True)):
        lines.append(f"WAF evaluation {facts['time']} on {facts['host']}: corpus {corpus.name} (sha256 {facts['corpus_sha']}…), "
                     f"{facts['cases']} requests; blocked = {sorted(blocked)}")
        lines.append(f"Palisade {facts['commit']} (wasm sha256 {facts['wasm_sha']}…) in Envoy {facts['envoy']}"
                     + (f"; peer: {facts['peer']}" if peer_note is None else f"; peer not run: {peer_note}"))
        lines.append("")
        lines.append("Detection (attacks blocked) per category, false positives (benign blocked):")
        lines.append("")
        lines += table(runs, scoped=False, markdown=markdown)
        if pl_of:
            lines.append("")
            lines.append("Attacks whose CRS rule is at a paranoia level <= the one running (waf-dev.meta.jsonl; n in brackets):")
            lines.append("")
            lines += table(runs, scoped=True, markdown=markdown)
        lines.append("")
        for r in runs:
            st = ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items(), key=lambda kv: str(kv[0])))
            sent = len(r.results)
            lines.append(f"{r.label} statuses: {st}" + ("" if sent == facts["cases"] else f"  (ONLY {sent} of {facts['cases']} sent: time budget)"))
        lines += [""] + cli_lines(out_dir, args.pls)
        lines.append(f"results: {out_dir}")
    (out_dir / "report.md").write_text("\n".join(md) + "\n")
    return "\n".join(text)


def versions(args) -> dict:
    out = {}
    try:
        out["envoy"] = subprocess.run([harness.envoy_binary(), "--version"], capture_output=True, text=True, timeout=30).stdout.split("version:")[-1].strip().split("/")[1]
    except Exception:  # noqa: BLE001  (a version string is a nicety)
        out["envoy"] = "?"
    if peer_installed():
        q = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Version}\\n", "nginx", "libmodsecurity3", "modsecurity-crs"], capture_output=True, text=True)
        out["peer"] = "; ".join(q.stdout.split("\n")[:3]).strip("; ")
    else:
        out["peer"] = "-"
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if os.environ.get("PALISADE_REVISION"):
        out["commit"] = os.environ["PALISADE_REVISION"]
    elif head.returncode != 0:
        out["commit"] = "(not a git checkout)"
    else:
        out["commit"] = head.stdout.strip()
        dirty = subprocess.run([*git, "diff", "--quiet", "HEAD", "--", "src", "Cargo.toml", "Cargo.lock"], capture_output=True)
        if dirty.returncode == 1:
            out["commit"] += " + uncommitted changes in src/ or Cargo.*"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--meta", type=Path, help="the corpus's .meta.jsonl (default: next to the corpus)")
    ap.add_argument("--replay", type=Path, help="the replayer (default: replay.py next to the corpus, else ../shared/corpus/replay.py)")
    ap.add_argument("--pls", default="1 2", help="paranoia levels (default: '1 2')")
    ap.add_argument("--peer", choices=["auto", "0", "1"], default="auto",
                    help="auto: run the ModSecurity peer if installed; 1: install it if needed and run it; 0: never")
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--max-seconds", type=float, default=300, help="time budget of each replay")
    ap.add_argument("--blocked-statuses", default="403")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    corpus = args.corpus.resolve()
    if not corpus.exists():
        sys.exit(f"waf-eval: no corpus at {corpus} (WAF_CORPUS=...)")
    meta = args.meta or corpus.with_name(corpus.name.removesuffix(".jsonl") + ".meta.jsonl")
    meta = meta if meta.exists() else None
    # The replayer next to the corpus, else the shared one (a set such as tests/fixtures/*.jsonl).
    if args.replay is None:
        beside = corpus.with_name("replay.py")
        args.replay = beside if beside.exists() else DEFAULT_CORPUS.with_name("replay.py")
    args.replay = args.replay.resolve()
    if not args.replay.exists():
        sys.exit(f"waf-eval: no replayer at {args.replay}")
    args.pls = [int(x) for x in args.pls.split()]
    if not harness.WASM.exists():
        sys.exit(f"waf-eval: {harness.WASM} is missing (make build)")
    now = datetime.datetime.now(datetime.timezone.utc)
    out_dir = (args.out or ROOT / ".run" / "waf-eval" / now.strftime("%Y%m%dT%H%M%SZ")).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    # SIGTERM (from `timeout`) ends the run through the finally blocks, which stop every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    run_palisade(corpus, out_dir, args)
    peer_note = run_peer(corpus, out_dir, args)
    run_cli(corpus, out_dir, args)
    facts = {
        "time": now.strftime("%Y-%m-%d %H:%M UTC"),
        "host": os.uname().nodename,
        "corpus_sha": sha(corpus),
        "wasm_sha": sha(harness.WASM),
        "cases": sum(1 for r in rows(corpus) if "method" in r),
        **versions(args),
    }
    text = report(corpus, meta, out_dir, args, peer_note, facts)
    print()
    print(text)
    print(f"(took {time.monotonic() - t0:.0f}s; markdown: {out_dir / 'report.md'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
