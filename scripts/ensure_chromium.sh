#!/bin/sh
# Make sure a Chromium is on PATH: the step-through page's tests open it in a real,
# headless browser (driven by Playwright, which is in the dev set). Installs Debian's
# chromium package where that can be done without a password prompt (root or
# password-less sudo with apt-get); otherwise says how, and those tests are skipped.
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi

if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO=none; fi
    if [ "$SUDO" != none ]; then
        echo "installing Chromium (apt-get install chromium)" >&2
        $SUDO apt-get update -qq >/dev/null && \
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
    fi
fi

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    echo "Chromium is not installed, so the browser tests of the step-through page are skipped." >&2
    echo "  Debian/Ubuntu: sudo apt-get install chromium    macOS: brew install --cask chromium" >&2
fi
exit 0
