"""Rewrite npm pyodide's pyodide-lock.json so it names only the wheels this site ships.

    python site/rewrite_lock.py IN_LOCK WHEEL_DIR OUT_LOCK [NAME=DEP,DEP ...]

NAME=DEP,... adds lock dependencies (e.g. micrograd_lite=graphviz: micrograd_lite imports
graphviz lazily, inside a function, where the kernel's scan of a cell's imports cannot see it).

For every *.whl in WHEEL_DIR (which lie beside OUT_LOCK in the site): the lock entry of
that name gets the wheel's file name, version and sha256 (PyPI's wheels have other hashes
than Pyodide's rebuilt ones, and Pyodide checks them); a wheel the lock does not know
(comm, micrograd_lite) gets a new entry, with `imports` read from the wheel, so that the
kernel's loadPackagesFromImports finds it on a plain `import`. Every other entry is dropped:
the npm package ships no wheels, so those would only be 404s on this site.
Stdlib only, so it runs on Python 3.11 (the lock addon's pyodide-lock>=0.1.3 needs 3.12).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_info(whl: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, top-level imports, requirements without extras/markers)."""
    with zipfile.ZipFile(whl) as z:
        meta_name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        meta = z.read(meta_name).decode()
        tops = sorted(
            {
                n.split("/")[0].removesuffix(".py")
                for n in z.namelist()
                if not n.split("/")[0].endswith((".dist-info", ".data"))
                and (n.endswith(".py") or "/" in n)
            }
        )

    def field(key: str) -> list[str]:
        return [
            line.split(":", 1)[1].strip()
            for line in meta.splitlines()
            if line.startswith(key + ":")
        ]

    deps = [r for r in field("Requires-Dist") if ";" not in r]
    deps = [canonical(re.split(r"[ <>=!~\[(]", r, maxsplit=1)[0]) for r in deps]
    return field("Name")[0], field("Version")[0], tops, deps


def main(lock_in: Path, wheel_dir: Path, lock_out: Path, *extra: str) -> None:
    more = {canonical(k): v.split(",") for k, v in (e.split("=", 1) for e in extra)}
    lock = json.loads(lock_in.read_text())
    old = {canonical(k): v for k, v in lock["packages"].items()}
    new = {}
    for whl in sorted(wheel_dir.glob("*.whl")):
        name, version, imports, deps = wheel_info(whl)
        key = canonical(name)
        entry = dict(
            old.get(key)
            or {
                "name": name,
                "depends": deps,
                "imports": imports,
                "install_dir": "site",
                "package_type": "package",
                "unvendored_tests": False,
            }
        )
        entry.update(
            file_name=whl.name, version=version, sha256=hashlib.sha256(whl.read_bytes()).hexdigest()
        )
        entry["depends"] = [*entry["depends"], *more.get(key, [])]
        new[key] = entry
    missing = {canonical(d) for e in new.values() for d in e["depends"]} - set(new)
    if missing:
        sys.exit(f"lock would name dependencies this site does not ship: {sorted(missing)}")
    lock["packages"] = new
    lock_out.write_text(json.dumps(lock, indent=1, sort_keys=True))
    print(f"{lock_out}: {len(new)} packages (of {len(old)} in the npm lock)")


if __name__ == "__main__":
    main(*map(Path, sys.argv[1:4]), *sys.argv[4:])
