#!/usr/bin/env python3
"""Checks that README.md's module graph says what Package.swift says.

    python3 tools/checks/module_graph_check.py [--repo DIR] [--binary .build/release/earshot]

Reads the first code block under "## Modules" in README.md (lines `MODULE <- DEP, DEP, ...`,
continuation lines indented, and one `(none) <- A, B` line for modules without dependencies) and
the package's own description (`swift package dump-package`), and compares, for every library,
system and C target and the `earshot` executable (test targets and the benchmark executables are
left out), its set of direct dependencies. Prints each difference and "N passed, M failed" (one
check per module); exits 1 when there is any difference. With --binary, one more check: the shared
libraries `ldd` lists for that executable include no ICU and no full Foundation (libFoundation.so,
libFoundationInternationalization.so): the board binary uses FoundationEssentials at most.
tools/test.sh section `modules`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

LEFT_OUT_TYPES = {"test"}
LEFT_OUT_PREFIX = "earshot-"  # earshot-bench, earshot-pipeline-bench, earshot-tflite-bench


def readme_graph(path: str) -> dict[str, set[str]]:
    """MODULE -> its dependencies as README.md's module block lists them."""
    text = open(path, encoding="utf-8").read()
    section = text.split("\n## Modules", 1)
    if len(section) < 2:
        raise SystemExit(f"{path}: no '## Modules' section")
    block = re.search(r"```\n(.*?)```", section[1], re.S)
    if not block:
        raise SystemExit(f"{path}: no code block under '## Modules'")
    graph: dict[str, set[str]] = {}
    current = None
    for line in block.group(1).splitlines():
        if "<-" in line:
            name, deps = (part.strip() for part in line.split("<-", 1))
            current = name
            graph.setdefault(name, set())
        elif line.strip() and current is not None:
            deps = line.strip()
        else:
            continue
        graph[current].update(d.strip() for d in deps.split(",") if d.strip())
    none = graph.pop("(none)", set())
    for name in none:
        if graph.get(name):
            raise SystemExit(f"{path}: {name} is listed with dependencies and under (none)")
        graph[name] = set()
    return graph


def package_graph(repo: str) -> dict[str, set[str]]:
    """MODULE -> its direct dependencies from `swift package dump-package`."""
    out = subprocess.run(["swift", "package", "dump-package"], cwd=repo, check=True,
                         capture_output=True, text=True).stdout
    graph: dict[str, set[str]] = {}
    for target in json.loads(out)["targets"]:
        name = target["name"]
        if target["type"] in LEFT_OUT_TYPES or name.startswith(LEFT_OUT_PREFIX):
            continue
        if target.get("path", "").startswith("Tests/"):
            continue  # test support targets
        deps = set()
        for dep in target.get("dependencies", []):
            kind, value = next(iter(dep.items()))
            deps.add(value[0])
        graph[name] = deps
    return graph


HEAVY_LIBRARIES = re.compile(r"^(libicu\S*|libFoundation\.so\S*|libFoundationInternationalization\S*|lib_FoundationICU\S*)$")


def heavy_libraries(binary: str) -> list[str] | None:
    """The ICU / full-Foundation libraries `ldd` lists for `binary` (None when ldd fails)."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    names = [line.split()[0] for line in out.stdout.splitlines() if line.strip()]
    return [name for name in names if HEAVY_LIBRARIES.match(os.path.basename(name))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    parser.add_argument("--binary", help="also check this executable's shared libraries (no ICU, no full Foundation)")
    args = parser.parse_args()
    readme = readme_graph(os.path.join(args.repo, "README.md"))
    package = package_graph(args.repo)
    problems = []
    for name in sorted(set(readme) | set(package)):
        if name not in package:
            problems.append(f"{name}: in README.md, not a target of Package.swift")
        elif name not in readme:
            problems.append(f"{name}: a target of Package.swift, missing from README.md")
        elif readme[name] != package[name]:
            extra = sorted(readme[name] - package[name])
            missing = sorted(package[name] - readme[name])
            problems.append(f"{name}: README.md also lists {extra or 'nothing'}, omits {missing or 'nothing'}")
    checks = len(package) + len(set(readme) - set(package))
    if args.binary:
        checks += 1
        heavy = heavy_libraries(args.binary)
        if heavy is None:
            problems.append(f"{args.binary}: ldd failed")
        elif heavy:
            problems.append(f"{args.binary} loads {', '.join(heavy)}")
        else:
            print(f"ok    {args.binary}: no ICU, no full Foundation among its shared libraries (ldd)")
    for problem in problems:
        print("FAIL  " + problem)
    # The count line tools/test.sh reads: one check per module (and the binary's).
    print(f"{checks - len(problems)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
