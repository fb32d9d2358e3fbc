"""Describe the native module's Python API as both backends must present it: every
name, class, function and method with its signature and docstring, then what each
adversarial call (tests/adversarial.py) gives, answer or exception type.

    python tests/native_api.py > tests/native_api.golden

tests/test_native_api.py compares the build under test with the golden file: the
PyO3 and rust-cpython builds each match it, so they match each other.
"""

import inspect
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "hgext"))

from oxidag import _native  # noqa: E402

SLOTS = ("__contains__", "__len__", "__iter__", "__next__", "__bool__", "__and__", "__or__", "__sub__",
         "__eq__", "__repr__")


GOLDEN = os.path.join(HERE, "native_api.golden")
# Made by iterating a set, not from Python: no signature to compare (inspect shows
# "()" up to Python 3.12, nothing from 3.13 on).
ITERATORS = ("RevisionSetIterator",)


def signature_of(obj):
    """`inspect.signature(obj)`. Under Python 3.9 the classes of an abi3 build have
    none (PyO3 gives a class its signature from Python 3.10 on): the golden one,
    which 3.10 and later check; everything else about the class is still checked."""
    try:
        return inspect.signature(obj)
    except ValueError:
        if not isinstance(obj, type) or sys.version_info >= (3, 10):
            raise
    head = "class %s(" % obj.__name__
    with open(GOLDEN, encoding="utf-8") as f:
        recorded = [line[len(head) - 1:].split(": ", 1)[0] for line in f if line.startswith(head)]
    namespace = {}
    exec("def recorded%s: pass" % recorded[0], namespace)
    return inspect.signature(namespace["recorded"])


def signature(obj):
    try:
        return str(signature_of(obj))
    except (TypeError, ValueError):
        return "(no signature)"


def doc(obj):
    return repr(inspect.cleandoc(obj.__doc__)) if obj.__doc__ else "None"


def describe():
    lines = []
    for name in sorted(_native.__all__):
        obj = getattr(_native, name)
        if name == "BACKEND":
            lines.append("BACKEND: str")
        elif name == "__version__":
            lines.append("__version__ = %r" % obj)
        elif isinstance(obj, type) and issubclass(obj, BaseException):
            lines.append("exception %s(%s)" % (name, ", ".join(b.__name__ for b in obj.__bases__)))
        elif isinstance(obj, type):
            made = "" if name in ITERATORS else signature(obj)
            lines.append("class %s%s: %s" % (name, made, doc(obj)))
            for attr in sorted(vars(obj)):
                if attr.startswith("_") and attr not in SLOTS:
                    continue
                member = getattr(obj, attr)
                text = "" if attr in SLOTS else ": " + doc(member)
                lines.append("  %s.%s%s%s" % (name, attr, signature(member), text))
        else:
            lines.append("def %s%s: %s" % (name, signature(obj), doc(obj)))
    return lines


def outcomes():
    driver = os.path.join(HERE, "adversarial.py")
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(HERE), "hgext"))
    names = subprocess.run([sys.executable, driver, "list"], env=env, capture_output=True, check=True)
    run = subprocess.run([sys.executable, driver, "run", *names.stdout.decode().split()], env=env,
                         capture_output=True, check=True)
    lines = []
    for line in run.stdout.decode().splitlines():
        name, _, result = line.partition(": ")
        words = result.split()
        lines.append("call %s: %s" % (name, "ok" if words[0] == "ok" else "raises " + words[1].rstrip(":")))
    return lines


if __name__ == "__main__":
    print("\n".join(describe() + outcomes()))
