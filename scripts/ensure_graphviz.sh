#!/bin/sh
# Make sure Graphviz's `dot` is on PATH: the visualiser renders SVG with it.
# Installs it with the system's package manager where that can be done without a
# password prompt (root or password-less sudo on Debian/Ubuntu, Homebrew on macOS);
# otherwise says how to install it and leaves the choice to the user.
if command -v dot >/dev/null 2>&1; then exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
    if [ "$SUDO" != none ]; then
        echo "installing Graphviz (apt-get install graphviz)" >&2
        $SUDO apt-get update -qq >/dev/null && \
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq graphviz >/dev/null
    fi
elif command -v brew >/dev/null 2>&1; then
    echo "installing Graphviz (brew install graphviz)" >&2
    brew install graphviz >/dev/null
fi

if ! command -v dot >/dev/null 2>&1; then
    echo "Graphviz's dot is not installed, so graphs are not rendered to SVG." >&2
    echo "  Debian/Ubuntu: sudo apt-get install graphviz    macOS: brew install graphviz" >&2
    echo "  conda: conda install -c conda-forge graphviz    Windows: winget install graphviz" >&2
fi
exit 0
