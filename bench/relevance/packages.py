#!/usr/bin/env python3
"""Debian's package catalogue as NDJSON records: one record per package that apt knows of
(`apt-cache dumpavail`, the lists `apt-get update` fetched for the machine's sources).

    bench/relevance/packages.py > packages.ndjson

Each record: id and name (the package's name, "nginx-light"), description (its one-line synopsis,
"nginx web/proxy server (standard version)") and section ("httpd"). The first stanza of a
package is kept when apt knows several versions of it.
"""
import json, subprocess, sys


def packages():
    out = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True).stdout
    seen = set()
    for stanza in out.split("\n\n"):
        fields = {}
        for line in stanza.split("\n"):
            key, sep, value = line.partition(": ")
            if sep and not line.startswith(" ") and key in ("Package", "Description", "Section"):
                fields[key] = value.strip()
        name = fields.get("Package")
        if name and "Description" in fields and name not in seen:
            seen.add(name)
            yield {"id": name, "name": name, "description": fields["Description"],
                   "section": fields.get("Section", "misc")}


def records():
    """Every package, or an error when apt knows none (its lists were never fetched)."""
    found = list(packages())
    if not found:
        sys.exit("packages.py: apt knows no packages; run apt-get update (scripts/setup.sh does)")
    return found


if __name__ == "__main__":
    for r in packages():
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
