"""Every l2l name the README, docs/*.md and l2l's own docstrings point a reader at still exists.

Session 44 moved code between many modules (the plots' best-so-far, the summary's ranking, the sessions, the
jobs' tasks, checks and SLURM parts, ...). A user or plug-in author copies ``from l2l.x import a`` or
``"l2l.simulators.base:Simulator"`` from the docs; a name that no longer resolves there fails only in their code.
The names collected:

- in the docs' fenced code blocks and `backtick` spans: ``from l2l.x import a, b`` (also in parentheses over
  several lines), ``import l2l.x``, any dotted ``l2l.x.y`` and entry-point targets ``"l2l.x:Name"``;
- in l2l's docstrings and ``#:`` comments: Sphinx roles (``:func:`l2l.x.y```, ``:mod:``, ``:class:``,
  ``:data:``, ...) and double-backtick ``l2l.x.y`` spans. These must name a function or class where it is defined
  or where a module declares it public (its ``__all__``: ``l2l.jobs.base.evaluate``, ``l2l.best``), not a module
  that only re-exports (``l2l.analysis.sessions``) or a name merely imported by a module (the docs may show the
  public faces too; a docstring pointing at a forwarding place is a stale pointer).

The modules plug-ins import from (l2l.jobs.base, l2l.simulators.base, l2l.optimizers.base, l2l.testing,
l2l.registry) also keep every public name they had when the session began (:data:`PLUGIN_API`).

Excluded by rule, not by a list of known failures: names outside ``l2l.`` (``my_package.models:MyModel`` is the
reader's own code), code blocks whose first line says they show another framework ("does not run with l2l"),
and the registries' entry-point group names (``l2l.backends``: a group, checked against the registries instead).
Resolving imports the named modules only (cached once per process), so a name is checked the way a user's
``import`` would check it.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: A dotted l2l name, not part of a longer word or path (``benchmarks/lsm_l2l.py`` is no name).
NAME = re.compile(r"(?<![\w./-])l2l(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?")
FROM_IMPORT = re.compile(r"^\s*from\s+(l2l(?:\.\w+)*)\s+import\s+(\([^)]*\)|[^\n#;]*)", re.M)
IMPORT = re.compile(r"^\s*import\s+(l2l(?:\.\w+)+)", re.M)
FENCE = re.compile(r"^(\s*)(```|~~~)[^\n]*\n(.*?)^\1\2\s*$", re.M | re.S)
BACKTICKS = re.compile(r"(`+)(.+?)\1", re.S)
FOREIGN_BLOCK = re.compile(r"does not run with l2l|not l2l code", re.I)
#: A Sphinx role's target (``:func:`~l2l.x.y```) or a double-backtick span that starts with an l2l name.
ROLE = re.compile(r":(?:py:)?(?:func|mod|class|data|meth|attr|exc|obj):`~?(l2l(?:\.\w+)+)`|``(?=l2l\.)(l2l(?:\.\w+)+)")
FILE_SUFFIXES = {"toml", "h5", "log", "py", "json", "lock", "out", "csv", "txt", "md", "yaml", "yml", "parquet"}


def names_in_code(text: str) -> dict[str, int]:
    """The l2l names a piece of code (or a backtick span) uses: imports, dotted names and ``module:Name``
    targets, each as ``module.attr`` (a target's colon made a dot), mapped to where in ``text`` it is."""
    found: dict[str, int] = {}
    for match in FROM_IMPORT.finditer(text):
        module, imported = match.group(1), match.group(2).strip("() \n")
        for part in re.split(r"[,\n]", imported):
            part = re.sub(r"#.*", "", part).strip()
            if part and part != "*":
                found.setdefault(f"{module}.{part.split()[0]}", match.start(1))
    for match in IMPORT.finditer(text):
        found.setdefault(match.group(1), match.start(1))
    for match in NAME.finditer(text):
        name = match.group(0)
        if name.rsplit(".", 1)[-1] not in FILE_SUFFIXES:  # l2l.toml is a file's name
            found.setdefault(name.replace(":", "."), match.start())
    return found


def names_in_markdown(text: str) -> dict[str, int]:
    """The l2l names of a markdown text's code blocks and backtick spans, each with its first line number."""
    found: dict[str, int] = {}

    def add(names: dict[str, int], offset: int) -> None:
        for name, at in names.items():
            found.setdefault(name, text.count("\n", 0, offset + at) + 1)

    spans = []
    for block in FENCE.finditer(text):
        spans.append(block.span())
        body = block.group(3)
        first = next((line for line in body.splitlines() if line.strip()), "")
        if not FOREIGN_BLOCK.search(first):
            add(names_in_code(body), block.start(3))
    prose = list(text)
    for start, end in spans:  # blank the blocks so that their backticks do not pair with the prose's
        prose[start:end] = [" "] * (end - start)
    for span in BACKTICKS.finditer("".join(prose)):
        add(names_in_code(span.group(2)), span.start(2))
    return found


@functools.lru_cache(maxsize=None)
def entry_point_groups() -> frozenset[str]:
    """The entry-point groups l2l's registries read (``l2l.optimizers``, ``l2l.backends``, ...)."""
    groups = set()
    for module_name in ("l2l.optimizers", "l2l.simulators", "l2l.policies", "l2l.jobs"):
        for value in vars(importlib.import_module(module_name)).values():
            group = getattr(value, "group", None)
            if isinstance(group, str) and group.startswith("l2l."):
                groups.add(group)
    return frozenset(groups)


#: What a module stands for whose import needs an optional package this environment lacks (nevergrad, brian2):
#: its names cannot be checked here, and are not called stale for that.
UNCHECKABLE = object()


@functools.lru_cache(maxsize=None)
def module(name: str) -> types.ModuleType | object | None:
    """The module ``name``, None where there is no such module (an error inside an existing one is raised)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            return None
        if error.name is not None and error.name.split(".")[0] != "l2l":
            return UNCHECKABLE
        raise


@functools.lru_cache(maxsize=None)
def resolve(name: str) -> tuple[object, str] | None:
    """What ``name`` names and the module it was found in (the longest importable prefix), None if nothing."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        found = module(".".join(parts[:cut]))
        if found is None:
            continue
        value: object = found
        for attribute in parts[cut:] if found is not UNCHECKABLE else ():
            try:
                value = getattr(value, attribute)
            except AttributeError:
                return None
        return value, ".".join(parts[:cut])
    return None


def unresolved(names: dict[str, str]) -> list[str]:
    """``where: name`` for each name (mapped to where it was seen) that names nothing."""
    bad = []
    for name, where in sorted(names.items(), key=lambda item: item[1]):
        if resolve(name) is None and name not in entry_point_groups():
            bad.append(f"{where}: {name}")
    return bad


def doc_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for path in DOCS:
        for name, line in names_in_markdown(path.read_text(encoding="utf-8")).items():
            names.setdefault(name, f"{path.relative_to(ROOT)}:{line}")
    return names


def docstring_names() -> dict[str, str]:
    """The l2l names l2l's docstrings (and comments) point at, each mapped to where (``file:line``): a regular
    expression over the source, not ``ast`` (a fiftieth of the time; a stale pointer in a comment is one too)."""
    names: dict[str, str] = {}
    for path in sorted((ROOT / "l2l").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for match in ROLE.finditer(source):
            name = match.group(1) or match.group(2)
            if name.rsplit(".", 1)[-1] not in FILE_SUFFIXES:
                where = f"{path.relative_to(ROOT)}:{source.count(chr(10), 0, match.start()) + 1}"
                names[name] = f"{names[name]}, {where}" if name in names else where
    return names


@functools.lru_cache(maxsize=None)
def only_forwards(found: types.ModuleType) -> bool:
    """Whether a module (not a package) holds nothing but imports: a shim left where code moved away."""
    path = getattr(found, "__file__", None) or ""
    if not path.endswith(".py") or path.endswith("__init__.py"):
        return False
    body = ast.parse(Path(path).read_text(encoding="utf-8")).body
    return all(isinstance(node, (ast.Import, ast.ImportFrom))
               or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
               or (isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["__all__"])
               for node in body)


def forwarded(name: str) -> str | None:
    """Where ``name`` really is when the place it names only forwards it: a module that only re-exports, or a
    function or class defined elsewhere and not declared public (``__all__``) by the module named."""
    found = resolve(name)
    if found is None:
        return None
    value, via = found
    via_module = module(via)
    if only_forwards(via_module):
        home = getattr(value, "__module__", None) if not isinstance(value, types.ModuleType) else None
        return f"{home}.{value.__qualname__}" if home else f"a module that only re-exports ({via})"
    if not (inspect.isfunction(value) or inspect.isclass(value)) or name.count(".") != via.count(".") + 1:
        return None  # modules, constants, and a class's methods (reached through their class)
    home = getattr(value, "__module__", None)
    if not home or not home.startswith("l2l.") or home == via or name.rsplit(".", 1)[1] in getattr(
            via_module, "__all__", ()):
        return None
    return f"{home}.{value.__qualname__}"


#: The public names of the modules plug-ins import from, as they were when session 44 began to move code
#: (commit a3389bb): each must still be importable from the same module.
PLUGIN_API = {
    "l2l.jobs.base": """
        CHECKPOINT_TYPES CURVE_PREFIX EvaluationContext EvaluationError EvaluationStopped EvaluationTimedOut
        Executor FAILED FollowsWorkers LONGEST_LINE MESSAGE_LINES OK Outcome RESULT_FIELDS RETRIED_ERROR RETURN_HINT
        STATUSES Settings Simulator TIMEOUT TRACEBACK_TAIL Task UNNAMED_OBJECTIVES UNNAMED_OBJECTIVES_PRINTED
        UNSTORABLE_CHECKPOINT USER_MODULE_DIGEST USER_MODULE_PREFIX apart as_result checkpoint_of curves died
        empty_curve empty_curves evaluate evaluate_chunk every_segment_fails flush_c_streams node_name normalize
        number parent_death simulator_output_to_stderr warn_line
        """.split(),
    "l2l.simulators.base": """
        ConfigError EvaluationContext Fidelity Objective SimulationResult Simulator USER_MODULE_DIGEST
        USER_MODULE_PREFIX as_result
        """.split(),
    "l2l.optimizers.base": """
        ArgumentError ConfigError GLOBAL_STATE_LOCK MAX_BUDGET MAX_GENERATION_VALUES MAX_POPULATION MAX_STEP
        Objective Optimizer Problem Space as_matrix copy_state exact new_python_random new_rng_state number
        python_random rng_from_state rng_state
        """.split(),
    "l2l.testing": """
        AsynchronousOptimizerContract ExecutorContract MultiFidelitySimulatorContract OptimizerContract
        PolicyContract SimulatorContract drive evaluate executors mixed_problem objectives optimizers policies
        problems simulators sphere_problem
        """.split(),
    "l2l.registry": """
        ConfigError MAX_INT Registry Rule foreign option rule_of
        """.split(),
}


def test_plugin_modules_keep_their_names():
    gone = [f"{name} from {module_name}" for module_name, names in PLUGIN_API.items() for name in names
            if resolve(f"{module_name}.{name}") is None]
    assert gone == []


def test_every_name_the_docs_show_resolves():
    names = doc_names()
    assert len(names) > 50, names  # the collector still finds the docs' names
    assert {"l2l.simulators.base.Simulator", "l2l.testing.OptimizerContract", "l2l.registry.option"} <= set(names)
    assert unresolved(names) == []


def test_docstrings_name_existing_places_not_forwarding_shims():
    names = docstring_names()
    assert len(names) > 20, names
    assert unresolved(names) == []
    shims = [f"{where}: {name} (defined in {forwarded(name)})"
             for name, where in sorted(names.items(), key=lambda item: item[1]) if forwarded(name)]
    assert shims == []


def test_a_broken_name_is_caught():
    text = ("Use `l2l.simulators.base.NoSuchSimulator` or\n\n```python\nfrom l2l.testing import (OptimizerContract,\n"
            "    NoSuchContract)\nimport l2l.no_such_module\n```\n\n"
            '```toml\nmodel = "l2l.simulators.base:NoSuchClass"\nmine = "my_package.models:MyModel"\n```\n'
            "```python\n# the original framework (it does not run with l2l)\n"
            "from l2l.optimizees.optimizee import X\n```\n")
    names = names_in_markdown(text)
    assert set(names) == {"l2l.simulators.base.NoSuchSimulator", "l2l.testing", "l2l.testing.OptimizerContract",
                          "l2l.testing.NoSuchContract", "l2l.no_such_module", "l2l.simulators.base.NoSuchClass"}
    assert sorted(entry.split(": ")[1] for entry in unresolved({name: "x" for name in names})) == sorted(
        {"l2l.simulators.base.NoSuchSimulator", "l2l.testing.NoSuchContract", "l2l.no_such_module",
         "l2l.simulators.base.NoSuchClass"})
    assert forwarded("l2l.simulators.base.Simulator") is None and forwarded("l2l.jobs.base.evaluate") is None
    assert forwarded("l2l.analysis.sessions") and forwarded("l2l.analysis.sessions.reevaluation_hosts")
    source = 'x = 1  #: see :func:`~l2l.no_such.place` and ``l2l.gone(path)``, not ``l2l.toml``\n'
    assert [match.group(1) or match.group(2) for match in ROLE.finditer(source)] == [
        "l2l.no_such.place", "l2l.gone", "l2l.toml"]
    assert resolve("l2l.backends") is None and "l2l.backends" in entry_point_groups()


if __name__ == "__main__":  # python tests/test_doc_names44.py: the list, without pytest
    print("\n".join(unresolved(doc_names()) + unresolved(docstring_names())))
    raise SystemExit(pytest.main([__file__, "-q"]))
