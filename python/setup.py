"""Copies the C headers (and, when found, the built libconclave.so.0) into the package, so an
installed `conclave` needs no checkout: the declarations are read from conclave.h at import
time and the library is loaded from the package unless CONCLAVE_LIBRARY names another.

The library is taken from $CONCLAVE_LIBRARY, else ../build/lib/libconclave.so.0; without
either the package loads the system's libconclave.so.0 (e.g. after `cmake --install`)."""

import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithHeader(build_py):
    def run(self) -> None:
        super().run()
        package = Path(self.build_lib) / "conclave"
        headers = package / "include" / "conclave"
        headers.mkdir(parents=True, exist_ok=True)
        for header in (HERE.parent / "include" / "conclave").glob("conclave*.h"):
            shutil.copyfile(header, headers / header.name)
        library = os.environ.get("CONCLAVE_LIBRARY") or str(
            HERE.parent / "build" / "lib" / "libconclave.so.0")
        if Path(library).is_file():
            (package / "lib").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(library).resolve(), package / "lib" / "libconclave.so.0")


setup(cmdclass={"build_py": BuildWithHeader})
