"""Compile the line reader (``jakamo/_ubl_lines.pyx``) in place: ``python -m jakamo.build_speedups``.

``make`` runs this before the demo and the tests. It needs a C compiler and Python's headers; where
either is missing it says so and exits 0, and the portal reads lines with the Python reader
(``ubl_parse`` chooses). The source's SHA-256 is compiled into the module, so that a module left
from another version of the source is never used."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

SOURCE = Path(__file__).with_name("_ubl_lines.pyx")
BUILD_DIR = Path(__file__).resolve().parent.parent / "build" / "cython"


def source_sha256() -> str:
    return hashlib.sha256(SOURCE.read_bytes()).hexdigest()


def built_from_this_source() -> bool:
    """Whether a module in place was compiled from the source as it is now: its SHA-256 is in it.
    Timestamps cannot tell (a checkout can give an older source a newer time than its build)."""
    digest = source_sha256().encode()
    return any(digest in built.read_bytes() for built in SOURCE.parent.glob("_ubl_lines.*.so"))


def build() -> None:
    import lxml
    from Cython.Build import cythonize
    from setuptools import Extension, setup

    extension = Extension(
        "jakamo._ubl_lines",
        ["jakamo/_ubl_lines.pyx"],
        include_dirs=lxml.get_include(),
        define_macros=[("JAKAMO_SOURCE_SHA256", f'"{source_sha256()}"')],
        extra_compile_args=["-Wno-unused-function"],  # lxml's header defines helpers we do not use
    )
    setup(
        name="jakamo-speedups",
        packages=[],
        py_modules=[],
        script_args=[
            "--quiet",
            "build_ext",
            "--inplace",
            "--force",
            f"--build-temp={BUILD_DIR / 'temp'}",
            f"--build-lib={BUILD_DIR / 'lib'}",
        ],
        ext_modules=cythonize([extension], build_dir=str(BUILD_DIR), quiet=True, force=True, language_level=3),
    )


def main() -> int:
    if built_from_this_source():
        return 0
    os.chdir(SOURCE.parent.parent)
    try:
        build()
    except (SystemExit, Exception) as exc:  # setuptools reports a failed compiler run as SystemExit
        print(f"jakamo: the compiled line reader was not built ({exc}); lines are read in Python.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
