"""Build the extension and its native module.

`pip install .` builds the PyO3 backend; `OXIDAG_BACKEND=cpython pip install .`
builds the rust-cpython one. Without a Rust toolchain the install still succeeds
(`optional=True`) and the extension runs Mercurial's own code.
"""

import os

from setuptools import setup
from setuptools_rust import Binding, RustExtension

BINDINGS = {"pyo3": Binding.PyO3, "cpython": Binding.RustCPython}
backend = os.environ.get("OXIDAG_BACKEND", "pyo3")
if backend not in BINDINGS:
    raise SystemExit("OXIDAG_BACKEND must be one of %s" % ", ".join(BINDINGS))

setup(
    packages=["hgext3rd.oxidag"],
    package_dir={"hgext3rd.oxidag": "hgext/oxidag"},
    rust_extensions=[
        RustExtension(
            "hgext3rd.oxidag._native",
            path="bindings/Cargo.toml",
            binding=BINDINGS[backend],
            features=[backend],
            optional=True,
        )
    ],
    zip_safe=False,
)
