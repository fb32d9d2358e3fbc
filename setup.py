"""Build the extension and its native module.

`pip install .` builds the PyO3 backend (one abi3 module for CPython 3.9 and
later); `OXIDAG_BACKEND=cpython pip install .` builds the rust-cpython one. Without
a Rust toolchain the install still succeeds (`optional=True`) and the extension
runs Mercurial's own code.
"""

import os
import re

from setuptools import setup
from setuptools_rust import Binding, RustExtension


def cargo_version():
    """The workspace's version (Cargo.toml), the one the native module reports."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "Cargo.toml"), encoding="utf-8") as f:
        text = f.read()
    package = text.split("[workspace.package]", 1)[1]
    return re.search(r'^version = "([^"]+)"', package, re.M).group(1)


BINDINGS = {"pyo3": Binding.PyO3, "cpython": Binding.RustCPython}
backend = os.environ.get("OXIDAG_BACKEND", "pyo3")
if backend not in BINDINGS:
    raise SystemExit("OXIDAG_BACKEND must be one of %s" % ", ".join(BINDINGS))

setup(
    version=cargo_version(),
    packages=["hgext3rd.oxidag"],
    package_dir={"hgext3rd.oxidag": "hgext/oxidag"},
    rust_extensions=[
        RustExtension(
            "hgext3rd.oxidag._native",
            path="bindings/Cargo.toml",
            binding=BINDINGS[backend],
            features=[backend],
            optional=True,
            # Without symbols (setuptools-rust's own strip keeps the global ones).
            rustc_flags=["-Cstrip=symbols"],
        )
    ],
    # The PyO3 build uses only the stable ABI of Python 3.9 (abi3): one wheel for
    # every CPython from 3.9 on. rust-cpython builds for the interpreter at hand.
    options={"bdist_wheel": {"py_limited_api": "cp39"}} if backend == "pyo3" else {},
    zip_safe=False,
)
