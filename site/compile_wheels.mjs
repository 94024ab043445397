// Compile every wheel in a folder to bytecode with the site's own Python (Pyodide, run
// here in Node.js), so that the browser's Python imports them without compiling their
// sources first: IPython's import is most of the kernel's start. As Pyodide does for the
// packages it distributes, a module's source is replaced by its bytecode (name.pyc where
// name.py was: the wheels get no larger), except in the wheels named after WHEEL_DIR,
// micrograd_lite's, which keep their sources beside __pycache__/*.pyc so that tracebacks
// and inspect show the library's lines. The .pyc files are "unchecked-hash" ones, valid
// whatever the files' times, and the wheels are rewritten with fixed times.
//
//     node site/compile_wheels.mjs PYODIDE_DIR WHEEL_DIR [KEEP_SOURCES ...]   (site/build.sh)
import path from "node:path";

const [pyodideDir, wheelDir] = process.argv.slice(2, 4).map((p) => path.resolve(p));
const keepSources = process.argv.slice(4);
const { loadPyodide } = await import(path.join(pyodideDir, "pyodide.mjs"));
const pyodide = await loadPyodide({ indexURL: pyodideDir + "/" });
pyodide.mountNodeFS("/wheels", wheelDir);
pyodide.globals.set("keep_sources", pyodide.toPy(keepSources));
pyodide.runPython(`
import importlib.util, marshal, pathlib, zipfile

def compiled(source, name):
    code = compile(source, name, "exec", dont_inherit=True)
    flags = 0b01  # a hash-based .pyc, its hash not checked (PEP 552)
    return (importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little")
            + importlib.util.source_hash(source) + marshal.dumps(code))

cache = importlib.util.cache_from_source("x.py").split("/")[-1].removeprefix("x.")
for wheel in sorted(pathlib.Path("/wheels").glob("*.whl")):
    keep = wheel.name.split("-")[0] in keep_sources
    with zipfile.ZipFile(wheel) as old:
        entries = [(info, old.read(info)) for info in old.infolist()]
    names = {info.filename for info, _ in entries}
    out, count = [], 0
    for info, data in entries:
        name = info.filename
        if not name.endswith(".py") or ".dist-info/" in name or ".data/" in name:
            out.append((info, data))
            continue
        try:
            code = compiled(data, name)
        except SyntaxError:  # a file meant for another Python: left to fail as it would
            out.append((info, data))
            continue
        count += 1
        folder, _, file = name.rpartition("/")
        if keep:
            out.append((info, data))
            name = (folder + "/" if folder else "") + "__pycache__/" + file[:-3] + "." + cache
        else:
            name += "c"
        out.append((zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), code))
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in out:
            new.writestr(info, data, zipfile.ZIP_DEFLATED)
    how = "beside their sources" if keep else "in place of their sources"
    print(f"{wheel.name}: {count} modules compiled, {how}")
`);
