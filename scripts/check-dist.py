"""Checks the mwauth release artifacts as an index and a user would see them.

Run by scripts/build-release.sh after maturin's audit and `twine check`:

    python scripts/check-dist.py --dist DIR --manylinux manylinux_2_17 \
        --pythons 3.9,3.10,3.11,3.12,3.13

DIR must hold exactly one wheel and one sdist of mwauth. Checked: the wheel's
file name and WHEEL tags (cp39-abi3 and the manylinux policy, never a bare
linux tag); the files in each archive (the package, its stubs and py.typed,
one abi3 extension; the license files; an sdist with Cargo.lock and no build
output); the core metadata of both, which must agree (License-Expression and
License-File, Requires-Python, the project URLs, classifiers known to
trove-classifiers, not deprecated, no license classifier, and the
"Python :: 3.N" ones naming exactly --pythons). Every problem is listed; the
exit code is 1 if there is one.
"""

from __future__ import annotations

import argparse
import email.message
import email.parser
import glob
import os
import re
import sys
import tarfile
import zipfile
from typing import Dict, List, Set, Tuple

import trove_classifiers

NAME = "mwauth"
LICENSE_EXPRESSION = "MIT OR Apache-2.0"
LICENSE_FILES = {"LICENSE-MIT", "LICENSE-APACHE"}
PROJECT_URLS = {"Homepage", "Repository", "Documentation", "Issues"}
PACKAGE_FILES = {"__init__.py", "aio.py", "errors.py", "sansio.py", "_native.pyi", "py.typed"}
SDIST_FILES = {"PKG-INFO", "pyproject.toml", "Cargo.toml", "Cargo.lock", "crates/mw-py/Cargo.toml"}

problems: List[str] = []


def problem(text: str) -> None:
    problems.append(text)


def parse_metadata(text: str) -> email.message.Message:
    return email.parser.Parser().parsestr(text)


def check_metadata(where: str, meta: email.message.Message, version: str, pythons: List[str]) -> None:
    if meta.get("Name") != NAME:
        problem(f"{where}: Name is {meta.get('Name')!r}")
    if meta.get("Version") != version:
        problem(f"{where}: Version is {meta.get('Version')!r}, the file name says {version!r}")
    if tuple(int(x) for x in re.findall(r"\d+", meta.get("Metadata-Version", "0"))) < (2, 4):
        problem(f"{where}: Metadata-Version {meta.get('Metadata-Version')!r} cannot carry License-Expression")
    if meta.get("License-Expression") != LICENSE_EXPRESSION:
        problem(f"{where}: License-Expression is {meta.get('License-Expression')!r}")
    if meta.get("License") is not None:
        problem(f"{where}: a free-text License field (PEP 639: License-Expression only)")
    files = set(meta.get_all("License-File") or [])
    if files != LICENSE_FILES:
        problem(f"{where}: License-File is {sorted(files)}, expected {sorted(LICENSE_FILES)}")
    if meta.get("Requires-Python") != f">={pythons[0]}":
        problem(f"{where}: Requires-Python is {meta.get('Requires-Python')!r}, expected '>={pythons[0]}'")
    if not meta.get("Summary"):
        problem(f"{where}: no Summary")
    if not (meta.get("Description-Content-Type") or "").startswith("text/markdown"):
        problem(f"{where}: Description-Content-Type is {meta.get('Description-Content-Type')!r}")
    if len(meta.get_payload()) < 1000:
        problem(f"{where}: the description is missing or short")

    urls: Dict[str, str] = {}
    for line in meta.get_all("Project-URL") or []:
        label, _, url = line.partition(",")
        urls[label.strip()] = url.strip()
    if set(urls) != PROJECT_URLS:
        problem(f"{where}: project URLs {sorted(urls)}, expected {sorted(PROJECT_URLS)}")
    for label, url in urls.items():
        if not url.startswith("https://"):
            problem(f"{where}: project URL {label} is {url!r}")

    classifiers = meta.get_all("Classifier") or []
    for c in classifiers:
        if c not in trove_classifiers.classifiers:
            problem(f"{where}: unknown classifier {c!r} (an index refuses the upload)")
        if c in trove_classifiers.deprecated_classifiers:
            problem(f"{where}: deprecated classifier {c!r}")
        if c.startswith("License ::"):
            problem(f"{where}: license classifier {c!r} beside License-Expression (PEP 639 forbids it)")
    versions = [c.rsplit(" :: ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    if versions != pythons:
        problem(f"{where}: Python version classifiers {versions}, expected {pythons} (the versions the suite runs on)")
    for needed in ("Programming Language :: Python :: 3 :: Only", "Programming Language :: Python :: Implementation :: CPython", "Typing :: Typed"):
        if needed not in classifiers:
            problem(f"{where}: no classifier {needed!r}")


def check_wheel(path: str, manylinux: str, pythons: List[str]) -> Tuple[str, email.message.Message]:
    name = os.path.basename(path)
    m = re.fullmatch(rf"{NAME}-([^-]+)-cp(\d)(\d+)-abi3-([^-]+)\.whl", name)
    if not m:
        problem(f"{name}: not an abi3 wheel name")
        return "", email.message.Message()
    version, platforms = m.group(1), set(m.group(4).split("."))
    if f"{m.group(2)}.{m.group(3)}" != pythons[0]:
        problem(f"{name}: built for cp{m.group(2)}{m.group(3)}, expected the oldest supported Python {pythons[0]}")
    expected_platforms = {f"{manylinux}_x86_64"}
    if manylinux == "manylinux_2_17":
        expected_platforms.add("manylinux2014_x86_64")  # PEP 599's name of the same policy
    if platforms != expected_platforms:
        problem(f"{name}: platform tags {sorted(platforms)}, expected {sorted(expected_platforms)}")
    py_tag = f"cp{pythons[0].replace('.', '')}"
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        info = f"{NAME}-{version}.dist-info"
        wheel = parse_metadata(z.read(f"{info}/WHEEL").decode())
        tags = set(wheel.get_all("Tag") or [])
        if tags != {f"{py_tag}-abi3-{p}" for p in expected_platforms}:
            problem(f"{name}: WHEEL tags {sorted(tags)}")
        if wheel.get("Root-Is-Purelib") != "false":
            problem(f"{name}: Root-Is-Purelib is {wheel.get('Root-Is-Purelib')!r}")
        package = {n[len(NAME) + 1 :] for n in names if n.startswith(f"{NAME}/")}
        extensions = {n for n in package if n.endswith(".so")}
        if extensions != {"_native.abi3.so"}:
            problem(f"{name}: extension modules {sorted(extensions)}, expected one _native.abi3.so")
        if package - extensions != PACKAGE_FILES:
            problem(f"{name}: package files {sorted(package - extensions)}, expected {sorted(PACKAGE_FILES)}")
        stray = {n for n in names if not n.startswith((f"{NAME}/", f"{info}/"))}
        if stray:
            problem(f"{name}: files outside the package: {sorted(stray)}")
        for lic in LICENSE_FILES:
            if f"{info}/licenses/{lic}" not in names:
                problem(f"{name}: no {info}/licenses/{lic}")
        return version, parse_metadata(z.read(f"{info}/METADATA").decode())


def check_sdist(path: str) -> Tuple[str, email.message.Message]:
    name = os.path.basename(path)
    m = re.fullmatch(rf"{NAME}-([^-]+)\.tar\.gz", name)
    if not m:
        problem(f"{name}: not an sdist name")
        return "", email.message.Message()
    top = f"{NAME}-{m.group(1)}"
    with tarfile.open(path) as t:
        members = t.getmembers()
        names: Set[str] = set()
        for member in members:
            if not member.name.startswith(f"{top}/"):
                problem(f"{name}: {member.name} outside {top}/")
                continue
            names.add(member.name[len(top) + 1 :])
        for needed in SDIST_FILES | LICENSE_FILES | {f"python/{NAME}/{f}" for f in PACKAGE_FILES}:
            if needed not in names:
                problem(f"{name}: no {needed}")
        for n in names:
            if n.split("/")[0] in {"target", "dist", ".git"} or n.startswith(".venv") or "__pycache__" in n or n.endswith((".so", ".pyc")):
                problem(f"{name}: build output or a local file: {n}")
        pkg_info = t.extractfile(f"{top}/PKG-INFO")
        if pkg_info is None:
            problem(f"{name}: PKG-INFO is not a file")
            return m.group(1), email.message.Message()
        return m.group(1), parse_metadata(pkg_info.read().decode())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dist", required=True)
    ap.add_argument("--manylinux", required=True)
    ap.add_argument("--pythons", required=True, help="comma-separated, oldest first")
    args = ap.parse_args()
    pythons = args.pythons.split(",")

    wheels = sorted(glob.glob(os.path.join(args.dist, f"{NAME}-*.whl")))
    sdists = sorted(glob.glob(os.path.join(args.dist, f"{NAME}-*.tar.gz")))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"check-dist.py: expected one wheel and one sdist in {args.dist}, found {wheels + sdists}", file=sys.stderr)
        return 1

    wheel_version, wheel_meta = check_wheel(wheels[0], args.manylinux, pythons)
    sdist_version, sdist_meta = check_sdist(sdists[0])
    if wheel_version != sdist_version:
        problem(f"the wheel is version {wheel_version!r}, the sdist {sdist_version!r}")
    check_metadata(os.path.basename(wheels[0]), wheel_meta, wheel_version, pythons)
    check_metadata(os.path.basename(sdists[0]), sdist_meta, sdist_version, pythons)
    # The sdist carries the metadata the wheel built from it will have.
    for field in ("Name", "Version", "License-Expression", "Requires-Python", "Summary"):
        if wheel_meta.get(field) != sdist_meta.get(field):
            problem(f"{field} differs: wheel {wheel_meta.get(field)!r}, sdist {sdist_meta.get(field)!r}")
    for field in ("Classifier", "Project-URL", "License-File"):
        if sorted(wheel_meta.get_all(field) or []) != sorted(sdist_meta.get_all(field) or []):
            problem(f"{field} differs between the wheel and the sdist")

    for p in problems:
        print(f"check-dist.py: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"check-dist.py: {os.path.basename(wheels[0])} and {os.path.basename(sdists[0])}: tags, files and metadata as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
