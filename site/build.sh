#!/usr/bin/env bash
# `make site`: build the offline site into dist/site, a folder any static web server can
# serve: JupyterLite with the Pyodide kernel (Python compiled to WebAssembly, in the
# browser), this library's wheel, every walkthrough, Graphviz as WebAssembly, a landing
# page, the stepper, a live-training page, the playground and a page that checks a
# learner's own Value. The network is used while building only, and only PyPI and the npm
# registry; every version is pinned in this folder.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SITE="$ROOT/site"
WORK="$ROOT/build/site"   # the builder's own venv, node_modules and scratch
OUT="$ROOT/dist/site"
PYTHON="${PYTHON:-python3}"
cd "$ROOT"
# fixed timestamps: the wheel and `jupyter lite build` take them from here
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}"
quiet_pip() { grep -v "^WARNING: Location" || true; }  # a machine's pip config may add local indexes

echo "== the builder: jupyterlite-core and its Pyodide kernel (site/requirements.txt)"
mkdir -p "$WORK"
[ -x "$WORK/venv/bin/python" ] || "$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q --disable-pip-version-check -r "$SITE/requirements.txt" 2>&1 | quiet_pip

echo "== npm: Pyodide's core and Graphviz as WebAssembly (site/package-lock.json)"
cp "$SITE/package.json" "$SITE/package-lock.json" "$WORK/"
(cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

rm -rf "$WORK/wheels" "$WORK/lite" "$WORK/src" "$OUT"
mkdir -p "$WORK/wheels/boot" "$WORK/wheels/site" "$WORK/src" "$WORK/lite/static/pyodide" \
    "$WORK/lite/pypi" "$WORK/lite/files"

echo "== the kernel's pure-Python wheels, from PyPI (site/boot-wheels.txt)"
for list in boot site; do
    "$WORK/venv/bin/pip" download -q --disable-pip-version-check --no-deps \
        --only-binary=:all: --python-version 3.14 --implementation py --platform any \
        -d "$WORK/wheels/$list" -r "$SITE/$list-wheels.txt" 2>&1 | quiet_pip
done

echo "== this library's wheel, built from a copy of the working tree"
tar -C "$ROOT" --exclude=./.venv --exclude=./.git --exclude=./build --exclude=./dist \
    --exclude=./node_modules --exclude='*_cache' --exclude=.hypothesis -cf - . \
    | tar -C "$WORK/src" -xf -
"$WORK/venv/bin/pip" wheel -q --disable-pip-version-check --no-deps "$WORK/src" \
    -w "$WORK/wheels/site" 2>&1 | quiet_pip

echo "== the site's source: Pyodide, the wheels and their lock, the walkthroughs"
P="$WORK/node_modules/pyodide"
cp "$P/pyodide.mjs" "$P/pyodide.asm.mjs" "$P/pyodide.asm.wasm" "$P/python_stdlib.zip" \
    "$P/package.json" "$WORK/lite/static/pyodide/"
cp "$WORK"/wheels/boot/*.whl "$WORK"/wheels/site/*.whl "$WORK/lite/static/pyodide/"
# The cold start: the kernel's own wheels go in the lock too, so that Pyodide loads every
# boot wheel in one batch as it starts (jupyter-lite.json's loadPyodideOptions lists
# them) instead of the kernel installing them one step after another; and every wheel
# is compiled to bytecode, so that the browser's Python does not compile IPython at each
# start (site/compile_wheels.mjs; micrograd_lite keeps its sources beside its bytecode)
KERNEL="$WORK/venv/share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
cp "$KERNEL"/piplite-*.whl "$KERNEL"/ipykernel-*.whl "$KERNEL"/pyodide_kernel-*.whl \
    "$WORK/lite/static/pyodide/"
node "$SITE/compile_wheels.mjs" "$P" "$WORK/lite/static/pyodide" micrograd_lite
# micrograd_lite imports graphviz inside a function, where the kernel's scan of a cell's
# imports cannot see it: the lock says micrograd_lite needs it
"$WORK/venv/bin/python" "$SITE/rewrite_lock.py" "$P/pyodide-lock.json" \
    "$WORK/lite/static/pyodide" "$WORK/lite/static/pyodide/pyodide-lock.json" \
    micrograd_lite=graphviz
cp "$WORK"/wheels/site/*.whl "$WORK/lite/pypi/"  # `%pip install micrograd_lite` works too
cp "$SITE/jupyter-lite.json" "$WORK/lite/"
"$ROOT/.venv/bin/python" "$SITE/pages.py" --notebooks "$WORK/lite/files"

echo "== jupyter lite build (it finds static/pyodide and points the kernel at it)"
(cd "$WORK/lite" && "$WORK/venv/bin/jupyter" lite build --lite-dir . --output-dir "$OUT" \
    --no-sourcemaps --no-unused-shared-packages 2>&1 | grep -iE "error|warn" || true)

echo "== Graphviz as WebAssembly, the landing page, the stepper, live training, the checker"
mkdir -p "$OUT/static/viz"
cp "$WORK/node_modules/@viz-js/viz/dist/viz.js" "$OUT/static/viz/"
cp "$SITE/live.html" "$SITE/check.html" "$OUT/"
cp "$SITE/playground.html" "$SITE/playground.py" "$OUT/"  # the page loads playground.py
# on every page: the favicon, and the note a page opened from a folder shows
cp "$SITE/favicon.svg" "$SITE/needs-server.js" "$OUT/"
"$ROOT/.venv/bin/python" "$SITE/pages.py" "$OUT"

"$WORK/venv/bin/python" "$SITE/check_site.py" "$OUT"
echo "dist/site: $(du -sh "$OUT" | cut -f1); serve it with: python3 -m http.server -d dist/site"
