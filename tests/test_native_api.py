"""Both builds of the native module present one Python API: the golden file
tests/native_api.golden (made by tests/native_api.py) lists every name, signature,
default and docstring, and the answer or exception type of every adversarial call;
the build under test (PyO3 or rust-cpython) must match it line for line; a build
without the functions kept for the benchmarks (the wheel) matches it without them."""

import difflib
import os
import re
import subprocess
import sys

from conftest import BENCH_ONLY

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "native_api.golden")


def test_the_api_matches_the_golden_description(native):
    proc = subprocess.run([sys.executable, os.path.join(HERE, "native_api.py")], capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    have = proc.stdout.decode().splitlines()
    with open(GOLDEN) as f:
        want = f.read().splitlines()
    assert len(want) > 1000
    present = [name for name in BENCH_ONLY if hasattr(native, name)]
    assert present in ([], list(BENCH_ONLY)), "the feature bench builds exactly %s" % (BENCH_ONLY,)
    if not present:
        bench_line = re.compile(r"(def |call )(%s)[(:]" % "|".join(BENCH_ONLY))
        want = [line for line in want if not bench_line.match(line)]
    diff = list(difflib.unified_diff(want, have, "native_api.golden", native.BACKEND, lineterm="", n=1))
    assert not diff, "the %s build differs (regenerate with `python tests/native_api.py > tests/native_api.golden` " \
        "once both backends agree):\n%s" % (native.BACKEND, "\n".join(diff[:80]))
