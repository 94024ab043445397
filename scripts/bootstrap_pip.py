"""Install pip into the running interpreter from pip's wheel on PyPI.

Used by make_venv.sh when the venv module has no ensurepip (Debian without
python3-venv). A wheel is a zip file that Python can run directly, so pip's own wheel
installs itself.
"""

import json
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

INDEX = "https://pypi.org/pypi/pip/json"


def main() -> None:
    with urllib.request.urlopen(INDEX, timeout=60) as response:
        release = json.load(response)
    wheel = next(f for f in release["urls"] if f["filename"].endswith("-py3-none-any.whl"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / wheel["filename"]
        url = urllib.parse.urljoin(INDEX, wheel["url"])  # some mirrors answer with relative URLs
        with urllib.request.urlopen(url, timeout=120) as response:
            path.write_bytes(response.read())
        pip_main = str(path / "pip")
        subprocess.run([sys.executable, pip_main, "install", "--no-index", str(path)], check=True)


if __name__ == "__main__":
    main()
