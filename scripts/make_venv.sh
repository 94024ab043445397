#!/bin/sh
# Make .venv with a working pip, on a machine that has only python3, make and git.
# Debian and Ubuntu leave ensurepip out of python3 unless the python3-venv package is
# installed, so `python3 -m venv` alone can fail there; this script then installs that
# package when it may (root, or sudo without a password), and otherwise makes the venv
# without pip and installs pip from its wheel on PyPI.
set -eu
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

if [ -x "$VENV/bin/pip" ]; then exit 0; fi

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "micrograd_lite needs Python 3.10 or newer; $PYTHON is $("$PYTHON" --version 2>&1)" >&2
    exit 1
}

try_venv() {
    rm -rf "$VENV"
    [ "${MAKE_VENV_SKIP_ENSUREPIP:-}" = 1 ] && return 1
    "$PYTHON" -m venv "$VENV" >/dev/null 2>&1 && [ -x "$VENV/bin/pip" ]
}

try_venv && exit 0

if [ "${MAKE_VENV_SKIP_ENSUREPIP:-}" != 1 ] && command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
    if [ "$SUDO" != none ]; then
        echo "python3 -m venv has no pip here: installing Debian's python3-venv" >&2
        $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv >/dev/null || true
        try_venv && exit 0
    fi
fi

echo "making $VENV without ensurepip and installing pip from PyPI" >&2
rm -rf "$VENV"
"$PYTHON" -m venv --without-pip "$VENV"
"$VENV/bin/python" scripts/bootstrap_pip.py
