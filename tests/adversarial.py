"""Bad input to every function and class of the native module, run in this process
(tests/test_adversarial.py runs it in child processes, so that an abort or a crash
is a failure of the test, not of the test runner).

    python adversarial.py list                 # the names of the cases
    python adversarial.py run NAME...          # run them, one line each

Each case calls the module with one argument replaced by something it must refuse
cleanly: a wrong type, a number no revision can be, the working directory, an index
object that lies about its length, raises, returns nonsense or calls back into the
module, an iterable that fails midway. A case prints `NAME: ok` (it answered) or
`NAME: raised TYPE: MESSAGE`, flushed, so that a crash shows which case caused it.
"""

import gc
import sys

from oxidag import _native

WDIR = 0x7FFFFFFF
PARENTS = [(-1, -1), (0, -1), (1, -1), (1, -1), (2, 3), (4, -1), (0, -1), (6, 5), (7, -1), (8, 2)]


class Index:
    """A Python-level index: `len()` and `index[rev]` giving (p1, p2)."""

    def __init__(self, parents=PARENTS):
        self.parents = list(parents)

    def __len__(self):
        return len(self.parents)

    def __getitem__(self, rev):
        return self.parents[rev]


class Lying(Index):
    """Claims `length` revisions; `entry(rev)` gives what it answers for each."""

    def __init__(self, length, entry):
        super().__init__()
        self.length, self.entry = length, entry

    def __len__(self):
        return self.length

    def __getitem__(self, rev):
        return self.entry(rev)


def chain_entry(rev):
    return (rev - 1, -1)


def raising_at(at, error=ZeroDivisionError):
    def entry(rev):
        if rev >= at:
            raise error("index entry %d" % rev)
        return chain_entry(rev)

    return entry


class RaisingLen(Index):
    def __len__(self):
        raise KeyError("no length")


class ReentrantItem(Index):
    """Its `__getitem__` calls back into the native module with itself."""

    def __getitem__(self, rev):
        _native.headrevs(self, [0])
        return super().__getitem__(rev)


class ReentrantLen(Index):
    """Its `__len__` makes a `MissingAncestors` of itself."""

    def __len__(self):
        _native.MissingAncestors(self, [0])
        return super().__len__()


class Shrinking(Index):
    """Its length drops each time it is asked (an index stripped while read)."""

    def __init__(self):
        super().__init__()
        self.asked = 0

    def __len__(self):
        self.asked += 1
        return max(0, len(self.parents) - self.asked)


class FakeClass(Index):
    """Says it is Mercurial's C index (`__class__`), which it is not."""

    @property
    def __class__(self):
        try:
            from mercurial.cext import parsers

            return parsers.index
        except ImportError:
            return Index


def failing_iterable():
    yield 1
    yield 2
    raise ZeroDivisionError("revisions failed midway")


class BadIter:
    def __iter__(self):
        raise KeyError("no iteration")


INDEXES = {
    "none": None,
    "int": 42,
    "str": "index",
    "len2**31": Lying(2**31, chain_entry),
    "len2**33": Lying(2**33, chain_entry),
    "len2**40": Lying(2**40, chain_entry),
    "lenmaxsize": Lying(sys.maxsize, chain_entry),
    "len2**31-1-raising": Lying(2**31 - 1, raising_at(1000, IndexError)),
    "raisinglen": RaisingLen(),
    "raisingitem": Lying(10, raising_at(5)),
    "shortentry": Lying(10, lambda rev: (0,)),
    "strentry": Lying(10, lambda rev: "ab"),
    "noneentry": Lying(10, lambda rev: None),
    "strparents": Lying(10, lambda rev: ("a", "b")),
    "hugeparent": Lying(10, lambda rev: (2**40, -1)),
    "negativeparent": Lying(10, lambda rev: (-5, -1)),
    "selfparent": Lying(10, lambda rev: (rev, -1)),
    "parentabove": Lying(10, lambda rev: (rev + 1, -1)),
    "parentbeyond": Lying(10, lambda rev: (12, -1)),
    "reentrantitem": ReentrantItem(),
    "reentrantlen": ReentrantLen(),
    "shrinking": Shrinking(),
    "fakeclass": FakeClass(),
}

REVS = {
    "none": None,
    "int": 5,
    "str": "5",
    "float": 3.5,
    "wdir": [WDIR],
    "minus2": [-2],
    "2**31": [2**31],
    "2**63": [2**63],
    "2**70": [2**70],
    "-2**70": [-(2**70)],
    "strs": ["x"],
    "nones": [None],
    "floats": [1.5],
    "beyond": [10],
    "failing": failing_iterable,
    "baditer": BadIter(),
}

INTS = {
    "none": None,
    "str": "1",
    "float": 1.5,
    "-2**70": -(2**70),
    "2**70": 2**70,
    "wdir": WDIR,
    "minus2": -2,
    "beyond": 10,
    "list": [1],
}

# A valid call of every module function, by parameter: (kind, valid value).
VALID = {
    "index": ("index", Index),
    "revs": ("revs", lambda: [5, 9]),
    "heads": ("revs", lambda: [9]),
    "roots": ("revs", lambda: [1]),
    "common": ("revs", lambda: [3]),
    "stoprevs": ("revs", lambda: [7]),
    "initrevs": ("revs", lambda: [9]),
    "bases": ("revs", lambda: [3]),
    "excluded": ("revs", lambda: [2]),
    "filteredrevs": ("revs", lambda: [8]),
    "starts": ("revs", lambda: [9]),
    "through": ("revs", lambda: [8, 7, 2]),
    "sources": ("revs", lambda: [1]),
    "sample": ("revs", lambda: [9]),
    "within": ("revs", lambda: [1, 2, 3, 4, 5, 9]),
    "set": ("revs", lambda: [1, 2, 5]),
    "children": ("bool", lambda: False),
    "target": ("int", lambda: 3),
    "queries": ("queries", lambda: [([9], [3]), ([5], [])]),
    "minroot": ("int", lambda: 0),
    "startrev": ("int", lambda: 1),
    "stoprev": ("int", lambda: 0),
    "startdepth": ("int", lambda: 1),
    "stopdepth": ("int", lambda: 3),
    "threads": ("int", lambda: 1),
    "threshold": ("int", lambda: 65536),
    "start": ("int", lambda: 1),
    "end": ("int", lambda: 8),
    "callback": ("callable", lambda: None),
    "includepath": ("bool", lambda: True),
    "inclusive": ("bool", lambda: True),
    "followfirst": ("bool", lambda: False),
    "canonicalorder": ("bool", lambda: True),
    "descending": ("bool", lambda: False),
    "stop": ("int", lambda: 5),
    "path": ("text", lambda: "/nonexistent/oxidag-adversarial-cache"),
    "source": ("bytes", lambda: b"a source"),
    "nodes": ("bytes", lambda: b"\x01" * 20),
    "install": ("bool", lambda: False),
    "reach": ("bool", lambda: True),
    "revisions": ("int", lambda: 5),
}
# Parameters named alike but of another kind in one function.
PER_FUNCTION = {
    ("isancestor", "a"): ("int", lambda: 3),
    ("isancestor", "b"): ("int", lambda: 9),
    ("isancestormany", "a"): ("revs", lambda: [1, 3]),
    ("isancestormany", "b"): ("revs", lambda: [9, 2]),
    ("MissingAncestors.removeancestorsfrom", "revs"): ("revs", lambda: {5, 9, 1}),
}

BAD = {"index": INDEXES, "revs": REVS, "queries": {**REVS, "pairs": [(1,)], "badpair": [("x", [1])]},
       "int": INTS, "bool": {"none": None, "str": "yes", "list": [1]},
       "callable": {"int": 5},
       "text": {"none": None, "bytes": b"/tmp/x", "int": 3, "nul": "a\0b", "directory": "/", "huge": "x" * 100000},
       "bytes": {"none": None, "str": "source", "int": 3, "list": [1, 2]}}

# Functions left out: each changes process state the other cases rely on.
STATEFUL = {"setthreads", "setthreshold", "setwarning"}


def parameters(function):
    from native_api import signature_of

    return list(signature_of(function).parameters.values())


def callables():
    """(name, callable) of every function, class and method taking arguments."""
    import inspect

    found = []
    for name in _native.__all__:
        obj = getattr(_native, name)
        if isinstance(obj, type) and name not in ("GraphError", "RevisionSetIterator"):
            found.append((name, obj))
        elif callable(obj) and not isinstance(obj, type):
            found.append((name, obj))
    # Methods of a live set and of a live missing-ancestors object.
    s = _native.RevisionSet([1, 2, 5])
    m = _native.MissingAncestors(Index(), [3])
    for owner, obj in (("RevisionSet", s), ("MissingAncestors", m)):
        for attr in dir(obj):
            if attr.startswith("_") or attr == "span":
                continue
            method = getattr(obj, attr)
            if callable(method):
                try:
                    inspect.signature(method)
                except (TypeError, ValueError):
                    continue
                found.append(("%s.%s" % (owner, attr), method))
    return found


def cases():
    """Every case: name -> thunk."""
    found = {}
    for name, function in callables():
        if name in STATEFUL:
            continue
        params = [p for p in parameters(function) if p.kind != p.VAR_POSITIONAL]
        varargs = any(p.kind == p.VAR_POSITIONAL for p in parameters(function))
        kinds = {}
        for p in params:
            kinds[p.name] = PER_FUNCTION.get((name, p.name)) or VALID[p.name]

        def valid_args(kinds=kinds):
            return {n: make() for n, (_, make) in kinds.items()}

        def call(args, extra=(), function=function, params=params):
            positional = [args[p.name] for p in params]
            return function(*positional, *extra)

        found["%s:valid" % name] = lambda call=call, valid_args=valid_args: call(valid_args())
        for param, (kind, _) in kinds.items():
            for bad_name, bad in BAD[kind].items():

                def thunk(call=call, valid_args=valid_args, param=param, bad=bad):
                    args = valid_args()
                    args[param] = bad() if bad is failing_iterable else bad
                    return call(args, (9, 5) if varargs else ())

                found["%s:%s=%s" % (name, param, bad_name)] = thunk
        if varargs:
            for bad_name, bad in REVS.items():
                if isinstance(bad, list):
                    found["%s:*revs=%s" % (name, bad_name)] = (
                        lambda call=call, valid_args=valid_args, bad=bad: call(valid_args(), tuple(bad) + (9,))
                    )
    found.update(SPECIAL)
    return found


def special(function):
    SPECIAL["special:" + function.__name__] = function
    return function


SPECIAL = {}


@special
def revisionset_members():
    # A native set holds revisions of a graph: not null, not the working directory.
    for members in ([-1], [-2], [WDIR], [2**31], [2**70], ["x"]):
        try:
            _native.RevisionSet(members)
        except (_native.GraphError, TypeError, OverflowError):
            continue
        raise AssertionError("RevisionSet(%r) accepted" % (members,))


@special
def thread_settings():
    for bad in (-1, 1025, 2**70, "2"):
        try:
            _native.setthreads(bad)
        except (ValueError, OverflowError, TypeError):
            continue
        raise AssertionError("setthreads(%r) accepted" % (bad,))
    for bad in (0, -5, 2**70, "2"):
        try:
            _native.setthreshold(bad)
        except (ValueError, OverflowError, TypeError):
            continue
        raise AssertionError("setthreshold(%r) accepted" % (bad,))


@special
def reentrant_iteration():
    """A set whose iteration is consumed by code that calls back into the module."""
    s = _native.RevisionSet(range(10000))
    total = 0
    for rev in s:
        total += len(_native.RevisionSet([rev]))
    assert total == 10000


@special
def collected_objects():
    """Objects dropped mid-iteration, the index first."""
    index = Index()
    lazy = _native.LazyAncestors(index, [9], 0, True)
    it = iter(lazy)
    next(it)
    del index, lazy
    gc.collect()
    assert list(it) == [8, 7, 6, 5, 4, 3, 2, 1, 0]


def summarize(result):
    text = repr(result)
    return text if len(text) < 120 else text[:117] + "..."


def main(argv):
    every = cases()
    if argv[:1] == ["list"]:
        print("\n".join(every))
        return
    assert argv[:1] == ["run"]
    for name in argv[1:]:
        sys.stdout.write("%s: " % name)
        sys.stdout.flush()
        try:
            result = every[name]()
            if hasattr(result, "__iter__") and not isinstance(result, (str, bytes, list, set)):
                result = list(result)
            line = "ok %s" % summarize(result)
        except BaseException as exc:  # every outcome is reported, none stops the run
            line = "raised %s: %s" % (type(exc).__name__, str(exc)[:200].replace("\n", " "))
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
