#!/usr/bin/env python3
"""Puts a Palisade configuration (a JSON file) into an Envoy YAML file that embeds one between
the lines `# BEGIN palisade configuration` and `# END palisade configuration`, and prints the
result:

    scripts/render_envoy_config.py envoy/envoy.yaml examples/behind-proxy.json > .run/envoy.yaml

The JSON is checked to be one JSON object first; whether Palisade accepts it is Envoy's (and
`palisade check`'s) business.
"""

import json
import re
import sys

BEGIN = re.compile(r"^(\s*)# BEGIN palisade configuration")
END = re.compile(r"^\s*# END palisade configuration")


def embedded_config(yaml_text: str) -> str:
    """The JSON text embedded in an Envoy YAML file (between the markers)."""
    lines = yaml_text.splitlines()
    start = next(i for i, l in enumerate(lines) if BEGIN.match(l))
    end = next(i for i, l in enumerate(lines) if END.match(l))
    body = lines[start + 2 : end]  # skip the marker and the `value: |` line
    indent = min(len(l) - len(l.lstrip()) for l in body if l.strip())
    return "\n".join(l[indent:] for l in body) + "\n"


def render(yaml_text: str, config_text: str) -> str:
    config = json.loads(config_text)
    if not isinstance(config, dict):
        raise ValueError("the Palisade configuration must be a JSON object")
    out, inside = [], False
    for line in yaml_text.splitlines():
        begin = BEGIN.match(line)
        if begin:
            indent = begin.group(1)
            out.append(line)
            out.append(f"{indent}value: |")
            out.extend(f"{indent}  {l}" for l in config_text.rstrip("\n").splitlines())
            inside = True
            continue
        if inside and END.match(line):
            inside = False
        if not inside:
            out.append(line)
    if inside:
        raise ValueError("no `# END palisade configuration` line")
    return "\n".join(out) + "\n"


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        yaml_text = f.read()
    with open(sys.argv[2]) as f:
        config_text = f.read()
    try:
        sys.stdout.write(render(yaml_text, config_text))
    except (ValueError, StopIteration, json.JSONDecodeError) as e:
        print(f"render_envoy_config: {sys.argv[2]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
