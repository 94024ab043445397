"""The catalogue of mistakes the command line catches (`python -m micrograd_lite graph`).

Every bad expression, number or output path exits with status 2 and one line on stderr
(no traceback), and writes or replaces no file: the directory holds exactly what it held,
and a FIFO, symbolic link or device at the output path is still what it was.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_lite.__main__ import main
from tests.conftest import can_lay_out

ROOT = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(not can_lay_out(), reason="a layout program is needed")


def listing(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every entry of folder (hidden temporary files too): its kind and, for files, bytes."""
    entries = {}
    for entry in sorted(folder.iterdir()):
        mode = entry.lstat().st_mode
        content = entry.read_bytes() if stat.S_ISREG(mode) else b""
        entries[entry.name] = (stat.S_IFMT(mode), content)
    return entries


def refused(
    args: list[str], folder: Path, capsys: pytest.CaptureFixture[str], message: str
) -> None:
    """main(args) run in folder exits 2 with one line containing message, writing nothing."""
    before = listing(folder)
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        status = main(args)
    except SystemExit as stop:  # argparse's own errors exit
        status = stop.code  # type: ignore[assignment]
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    assert message in err, err
    assert "Traceback" not in err
    assert listing(folder) == before


def graph(expression: str, output: str = "out.svg", *more: str) -> list[str]:
    return [
        "graph",
        expression,
        "--var",
        "x=2",
        "--var",
        "a=1",
        "--var",
        "b=3",
        "-o",
        output,
        *more,
    ]


class TestOutputPaths:
    """-o names a new or regular .svg file; everything else is refused before any work."""

    @pytest.mark.parametrize(
        ("output", "message"),
        [
            ("x.txt", "-o x.txt: the command line writes SVG, so give a file name ending in .svg"),
            ("out.exe", "give a file name ending in .svg"),
            ("out", "give a file name ending in .svg"),
            ("", "-o needs a file name ending in .svg, such as -o graph.svg"),
            (".", "-o . is a directory: give a file name ending in .svg, such as ./graph.svg"),
            ("..", "is a directory"),
            ("sub", "-o sub is a directory"),
            ("sub.svg", "-o sub.svg is a directory"),
            ("sub/", "is a directory"),
            ("missing/x.svg", "there is no directory 'missing'; create it first"),
            ("fifo.svg", "-o fifo.svg is a FIFO (named pipe), not a regular file"),
            ("link.svg", "-o link.svg is a symbolic link, not a regular file"),
            ("dangling.svg", "is a symbolic link"),
            ("/dev/null", "give a file name ending in .svg"),
            ("a\0b.svg", "the file name contains a NUL character"),
        ],
    )
    def test_refused_output_paths(
        self, output: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Each is refused in one line; FIFOs and links are left as they are, not replaced."""
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub.svg").mkdir()
        os.mkfifo(tmp_path / "fifo.svg")
        (tmp_path / "target.svg").write_text("the link's target")
        (tmp_path / "link.svg").symlink_to("target.svg")
        (tmp_path / "dangling.svg").symlink_to("nowhere.svg")
        refused(graph("x * 2", output), tmp_path, capsys, message)

    @pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="mknod needs root")
    def test_a_character_device_is_never_replaced(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """As root, replacing a device (say, a copy of /dev/null) would destroy it."""
        os.mknod(tmp_path / "null.svg", stat.S_IFCHR | 0o666, os.makedev(1, 3))
        refused(graph("x * 2", "null.svg"), tmp_path, capsys, "is a character device")
        assert stat.S_ISCHR((tmp_path / "null.svg").lstat().st_mode)

    @needs_dot
    @pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
    def test_a_directory_that_cannot_be_written(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """/proc takes no new files: one line naming the path, no traceback, no temp file."""
        refused(graph("x * 2", "/proc/x.svg"), tmp_path, capsys, "cannot write /proc/x.svg")
        assert not Path("/proc/x.svg").exists()

    @needs_dot
    def test_upper_case_svg_is_svg(self, tmp_path: Path) -> None:
        """`x.SVG` is an SVG file name too."""
        assert main(graph("x * 2", str(tmp_path / "x.SVG"))) == 0
        assert (tmp_path / "x.SVG").read_bytes().lstrip().startswith((b"<?xml", b"<svg"))

    @needs_dot
    def test_a_regular_file_is_replaced_whole_and_keeps_its_permissions(
        self, tmp_path: Path
    ) -> None:
        """Replacing goes through a temporary file renamed over the old one: no leftovers."""
        out = tmp_path / "out.svg"
        out.write_text("old")
        out.chmod(0o640)
        assert main(graph("x * 2", str(out))) == 0
        assert b"<svg" in out.read_bytes()
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        assert [p.name for p in tmp_path.iterdir()] == ["out.svg"]


class TestExpressions:
    """Expressions outside the grammar say, in the user's words, what to write instead."""

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("a^b", "`^` is not a power; use `**`, as in a ** 2 (column 1)"),
            ("tanh(a, 2)", "tanh takes one argument, got 2 (column 1): write tanh(x)"),
            ("tanh()", "tanh takes one argument, got 0"),
            ("exp(x=a)", "exp takes no keyword arguments"),
            ("floor(a)", "unknown function 'floor' (column 1): use neg, exp, log, tanh, relu"),
            ("a.exp()", "call a function by its name, as in tanh(a)"),
            ("a % 2", "`%` is not supported (column 1)"),
            ("a // 2", "`//` is not supported"),
            ("a @ a", "`@` is not supported"),
            ("~a", "`~` is not supported"),
            ("a.real", "attribute access (`.`) is not supported"),
            ("a[0]", "indexing (`[]`) is not supported"),
            ("a < b", "a comparison is not supported"),
            ("a if b else a", "`if ... else` is not supported"),
            ("a, b", "a tuple (`,`) is not supported"),
            ("[a]", "a list is not supported"),
            ("[x for x in (a,)]", "a comprehension is not supported"),
            ("(lambda: a)()", "call a function by its name"),
            ("__import__('os').system('true')", "call a function by its name"),
            ("'text'", "'text' is text, not a number"),
            ("True * a", "True is not a number"),
            ("1j * a", "1j is not a real number"),
            ("c * 2", "unknown name 'c': give it with --var c=NUMBER"),
            ("a +", "not a valid expression: invalid syntax"),
            ("a\0", "the expression holds a NUL character (column 2)"),
            ("exp(1)", "the expression uses no variable, so there is no graph to draw"),
            ("2 * 3", "uses no variable"),
            ("x+" * 5000 + "x", "nested too deeply for Python's parser"),
            ("x*x+" * 1100 + "x", "more than max_nodes=2000"),
        ],
    )
    def test_refused_expressions(
        self, expression: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Exit 2, one line saying what is wrong and what to write, and no file."""
        refused(graph(expression), tmp_path, capsys, message)

    @needs_dot
    @pytest.mark.parametrize(
        ("expression", "value"),
        [
            ("9**9**9*x", "inf"),
            ("10**400*x", "inf"),
            ("x+1/0", "inf"),
            ("(-8)**(1/3)+x", "nan"),
            ("exp(1000) - exp(1000) + x", "nan"),
            ("-x+1", "-1"),
            ("+x", "2"),
            ("exp(1) * x", "5.43656"),
            ("x+" * 40 + "x", "82"),
        ],
    )
    def test_ieee_results_as_values_give_them(
        self, expression: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Constant arithmetic is the library's: 1/0 is inf, not a ZeroDivisionError."""
        out = tmp_path / "out.svg"
        assert main(graph(expression, str(out))) == 0
        assert capsys.readouterr().out == f"out = {value}; wrote {out}\n"
        assert b"<svg" in out.read_bytes()


class TestArguments:
    """Bad --var numbers and names, and an expression that starts with a minus sign."""

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["graph", "a", "--var", "a=abc", "-o", "o.svg"], "--var a: 'abc' is not a number"),
            (["graph", "a", "--var", "a", "-o", "o.svg"], "--var takes NAME=NUMBER, got 'a'"),
            (["graph", "a", "--var", "1a=2", "-o", "o.svg"], "--var takes NAME=NUMBER"),
            (["graph", "a", "--var", "if=2", "-o", "o.svg"], "'if' is a keyword in expressions"),
            (["graph", "a", "--var", "exp=2", "-o", "o.svg"], "'exp' is a function in expres"),
            (["graph", "a", "--var", "a=1", "--var", "a=2", "-o", "o.svg"], "--var a given more"),
            (["graph", "a", "--var", "a=1"], "the following arguments are required: -o/--output"),
            (["graph", "--var", "a=1", "-o", "o.svg"], "graph needs an expression"),
            (["graph", "a", "b", "--var", "a=1", "-o", "o.svg"], "unrecognized arguments: b"),
            (["graph", "a", "--frobnicate", "-o", "o.svg"], "unrecognized arguments: --frob"),
            (["graph", "a", "--rankdir", "UP", "-o", "o.svg"], "invalid choice: 'UP'"),
            (["draw", "a"], "invalid choice: 'draw'"),
        ],
    )
    def test_refused_arguments(
        self, args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """argparse's errors are one line too, without the usage block."""
        refused(args, tmp_path, capsys, message)

    def test_infinite_and_nan_numbers_are_numbers(self) -> None:
        """`--var x=inf` and `x=1e400` are floats, as Value(float('inf')) is."""
        from micrograd_lite.__main__ import parse_var

        assert parse_var("x=1e400") == ("x", float("inf"))
        assert parse_var("x=-inf") == ("x", float("-inf"))

    @needs_dot
    def test_an_expression_starting_with_minus_through_the_real_command(
        self, tmp_path: Path
    ) -> None:
        """`python -m micrograd_lite graph "-x+1" ...` draws, and a failure has no traceback."""

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "micrograd_lite", "graph", *args, "--var", "x=2"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                check=False,
            )

        ok = run("-x+1", "-o", "neg.svg")
        assert (ok.returncode, ok.stdout) == (0, "out = -1; wrote neg.svg\n"), ok.stderr
        bad = run("-x^2", "-o", "bad.txt")
        assert bad.returncode == 2
        assert bad.stderr.count("\n") == 1
        assert "Traceback" not in bad.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["neg.svg"]
