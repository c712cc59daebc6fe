"""What recording the modules a model imports costs a session's start (l2l.provenance.with_session, helper-199).

A package of N modules (each ~2 KB of Python) whose model module imports them all, in a process that also has numpy,
pandas and h5py loaded (as l2l's driver has): the time of ``model_sources`` + ``model_imports`` + ``with_session``,
the first session of the process (every file hashed) and the next ones (hashes cached by path, mtime and size).

    python benchmarks/provenance_imports.py [--modules 50] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    import h5py  # noqa: F401 - the driver's modules, as loaded in a run
    import numpy  # noqa: F401
    import pandas  # noqa: F401

    import l2l.sessions  # noqa: F401
    from l2l import model_code, provenance

    provenance.driver_host()  # asked once a process, before this

    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder, "benchpkg")
        package.mkdir()
        (package / "__init__.py").write_text("")
        body = "".join(f"def f{i}(x):\n    return x * {i} + {i}.0  # {'padding ' * 6}\n\n" for i in range(40))
        for i in range(args.modules - 1):
            (package / f"part{i}.py").write_text(body)
        (package / "model.py").write_text("".join(f"from benchpkg import part{i}\n" for i in range(args.modules - 1))
                                          + "\n\ndef simulate(params, seed):\n    return params['x'] ** 2\n")
        sys.path.insert(0, folder)
        simulator = SimpleNamespace(function="benchpkg.model:simulate",
                                    target=lambda: __import__("benchpkg.model", fromlist=["simulate"]).simulate)
        simulator.target()
        for name, call in (("model_imports", lambda: model_code.model_imports(simulator)),
                           ("with_session", lambda: provenance.with_session({"backend": {"name": "serial"}},
                                                                            simulator))):
            model_code._HASHED.clear()
            model_code._REAL.clear()
            timings = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                call()
                timings.append(time.perf_counter() - start)
            print(f"{name}: first {timings[0] * 1e3:.1f} ms (every file hashed), then median "
                  f"{statistics.median(timings[1:]) * 1e3:.1f} ms, max {max(timings[1:]) * 1e3:.1f} ms "
                  f"({args.repeat - 1} sessions)")
        imports = provenance.model_imports(simulator)
        print(f"{len(sys.modules)} modules loaded, {imports['files']} files recorded under {imports['under']}"
              + (f" ({imports['capped']})" if "capped" in imports else ""))


if __name__ == "__main__":
    main()
