"""Whether the native module can serve, decided once at load, and why; the module
itself, loaded at the first native answer; which arguments it serves; and the
guards that leave a question to Mercurial before any answering module loads.

The extension asks `serves(index)` before every native call: the answer is a
dictionary lookup on the index's type after the first time.
"""

from __future__ import annotations

import importlib.util
import threading

from mercurial import smartset
from mercurial.node import nullrev


def _importerror():
    """Why importing the native module fails (None if it does not)."""
    try:
        from . import _native  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


# Whether the native module is there, found without loading it: loading (the
# shared library and the module's initialisation, ~1 M instructions) is left to the
# first native answer, `load()`, so a command that asks no ancestry question never
# pays it. Without it (not built, or Rust missing at install time), the import's
# own error says why.
_present = importlib.util.find_spec('._native', __package__) is not None
IMPORT_ERROR = None if _present else _importerror()
_present = IMPORT_ERROR is None

#: The mode in force: b'auto', b'native' or b'python' (set by extsetup).
mode = b'auto'

_served_types = {}
# Calls `load()` makes on the module before handing it out (extsetup's settings):
# name -> arguments.
_settings = {}
_loading = threading.Lock()


def configure(name, *args):
    """Call `_native.name(*args)` when the module is loaded (now, if it is)."""
    _settings[name] = args
    module = loaded()
    if module is not None:
        getattr(module, name)(*args)


def found():
    """Whether the native module is there (found, not yet loaded: see load())."""
    return _present


def missing():
    """What oxidag.mode=native raises without the native module."""
    from mercurial import error
    from mercurial.i18n import _

    return error.Abort(_(b'oxidag.mode=native but the native module is missing'), hint=reason())


def loaded():
    """The native module if a native answer has loaded it in this process, else None."""
    return globals().get('_native')


def load():
    """The native module, loaded and configured; None if it cannot be (see reason()),
    or, with oxidag.mode=native, `missing()` raised. `native._native` from another
    module is the same (PEP 562: the attribute is bound here once loaded)."""
    module = globals().get('_native', _loading)
    if module is not _loading:
        return module
    global _present, IMPORT_ERROR
    with _loading:
        if '_native' not in globals():
            module = None
            if _present:
                try:
                    from . import _native as module

                    module.BACKEND  # executes it if demandimport left that for later
                except ImportError as exc:  # a build for another Python, say
                    module, _present, IMPORT_ERROR = None, False, str(exc)
            if module is not None:
                for name, args in _settings.items():
                    getattr(module, name)(*args)
            globals()['_native'] = module
    module = globals()['_native']
    if module is None and mode == b'native':
        # Found at start (else extsetup refused every command) but not loadable.
        raise missing()
    return module


def __getattr__(name):
    if name == '_native':
        return load()
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def _is_index_type(kind):
    """Whether `kind` is Mercurial's C or pure-Python index type (or a subclass)."""
    try:
        from mercurial.cext import parsers as cparsers

        if issubclass(kind, cparsers.index):
            return True
    except ImportError:
        pass
    if 'pure' not in (getattr(kind, '__module__', '') or ''):
        return False
    # Imported only for a pure-Python index (HGMODULEPOLICY=py): it costs a
    # module import that a C install never needs.
    from mercurial.pure import parsers as pparsers

    return issubclass(kind, pparsers.BaseIndexObject)


def backend():
    """The backend name as bytes: b'pyo3', b'cpython', or b'python' (fallback)."""
    module = load()
    if module is None or mode == b'python':
        return b'python'
    return module.BACKEND.encode('ascii')


def reason():
    """Why the native module does or does not serve, as bytes."""
    module = load()
    if module is None:
        return b'native module not importable: %s' % IMPORT_ERROR.encode('utf-8')
    if mode == b'python':
        return b'disabled by oxidag.mode=python'
    policy = policyname()
    if policy in (b'py', b'cffi'):
        return b'native, reading pure-Python indexes through Python (HGMODULEPOLICY=%s)' % policy
    status, abi = module.capsulestatus()
    if status == 'ready':
        if rustindexes():
            return (
                b"native for C indexes (capsule ABI %d); Mercurial's Rust indexes "
                b"(HGMODULEPOLICY=%s) are not served" % (abi, policy)
            )
        return b'native (C index capsule ABI %d)' % abi
    if status == 'missing':
        return b'native through Python-level index access (no C index capsule)'
    return b'C index capsule ABI %d unsupported: Python-level index access' % abi


def active():
    """Whether native answers are on: the module is there (found; loaded at the
    first answer, `serves`) and oxidag.mode is not python."""
    return _present and mode != b'python'


def policyname():
    """Mercurial's module policy (HGMODULEPOLICY: c, py, rust+c, ...)."""
    from mercurial import policy

    return policy.policy


def rustindexes():
    """Whether Mercurial reads revlogs with its Rust extensions (HGMODULEPOLICY
    rust+c): their index (`RustIndexProxy`) is not served, only the C index of a
    small inline changelog is."""
    from mercurial import revlog

    return getattr(revlog, 'rustrevlog', None) is not None


def servesindexstate(index):
    """Whether this index is served, as `hg debugoxidag` says it."""
    if serves(index):
        return b'served natively'
    if active() and type(index).__name__ == 'RustIndexProxy':
        return b"not served: Mercurial's Rust index"
    return b"Mercurial's code"


# Before a changelog's parents table is loaded in this process, a walk over less
# than 1/2**SMALL_WALK_SHIFT of its revisions is left to Mercurial's C code:
# reading the table (the DAG cache file, a few milliseconds per million
# revisions) costs more than C walking that share. Below SMALL_REVLOG revisions
# loading is too cheap to matter.
SMALL_WALK_SHIFT = 3
SMALL_REVLOG = 1 << 16
# Walks C does as fast as the native code without the reachability index
# (common ancestors, is-ancestor) go to C while the table is not loaded, and the
# revisions each spans are counted (`leftto_c`); once they add up to half the
# changelog, the table is loaded: C walks a revision in about 15 ns, the DAG cache
# file reads one in about 5 and the index without it in about 18, so by then C has
# spent about what loading costs. A process asking many questions gets native
# answers (and, after more, the index); one asking once never pays for the table.
# Counted in revisions, not time, so that the choice is the same whatever the
# machine's load (or valgrind) does to the clock.
RENT_SHIFT = 1


class TableState:
    """Whether a revlog's parents table has been loaded in this process, the
    revisions the walks left to Mercurial's C spanned meanwhile, and the revisions
    native node scans passed (nodes.py). A changelog's is
    made with it (dagcache.recordsource), so that the copies Mercurial's repoviews
    make of it (copy.copy) share it; another revlog's at first use (`tablestate`)."""

    __slots__ = ('prepared', 'rent', 'scanned')

    def __init__(self):
        self.prepared = False
        self.rent = 0
        self.scanned = 0


def tablestate(rlog):
    """The TableState of `rlog`."""
    state = rlog.__dict__.get('_oxidag_table')
    if state is None:
        state = rlog.__dict__['_oxidag_table'] = TableState()
    return state


def worthloading(rlog, span=None):
    """Whether a native answer pays for a walk over about `span` revisions of `rlog`
    (see SMALL_WALK_SHIFT); without `span`, for a walk C does as fast as the native
    one without the table (common ancestors, is-ancestor): only once C's walks have
    spanned half the changelog (see RENT_SHIFT)."""
    state = tablestate(rlog)
    if state.prepared:
        return True
    total = len(rlog)
    if total < SMALL_REVLOG or (span is not None and span >= total >> SMALL_WALK_SHIFT):
        return True
    return state.rent >= total >> RENT_SHIFT


def leftto_c(rlog, span, orig, *args, **kwargs):
    """`orig(*args, **kwargs)`: Mercurial's answer for a walk over about `span`
    revisions not worth loading the table of `rlog` for, counted toward loading it
    (see worthloading)."""
    tablestate(rlog).rent += max(span, 0)
    return orig(*args, **kwargs)


def servesrevlog(rlog):
    """Whether the native module answers for this revlog; before its first answer
    for a changelog, the persistent DAG cache is consulted (see dagcache.py)."""
    if not serves(rlog.index):
        return False
    state = tablestate(rlog)
    if not state.prepared:
        state.prepared = True
        if '_oxidag_source' in rlog.__dict__:
            from . import dagcache  # imported here: it imports this module

            dagcache.prepare(rlog)
    return True


def serves(index):
    """Whether the native module answers for this index (C or pure-Python index)."""
    if not active():
        return False
    kind = type(index)
    served = _served_types.get(kind)
    if served is None:
        # Mercurial's C and pure indexes answer len() and index[rev] with parents at
        # positions 5 and 6; anything else (Rust InnerRevlog indexes) stays Mercurial's.
        # Decided on first use, not at import: `hg` startup stays cheap.
        served = (
            'parsers' in (getattr(kind, '__module__', '') or '')
            and _is_index_type(kind)
            and load() is not None
        )
        _served_types[kind] = served
    return served


# What the wrappers and walkers ask of their arguments: which go to Mercurial
# (`unusual`) and what the native call is told of the revlog.


def filteredrevs(rlog):
    """The revisions a filtered changelog hides (None for other revlogs)."""
    return getattr(rlog, 'filteredrevs', None) or None


def unusual(rlog, revs, null=True, hidden=False):
    """Whether some of `revs` are not plain revisions of `rlog`: not ints, the working
    directory or any number outside the revlog (null too unless `null`), or hidden by
    a repoview unless `hidden` (Mercurial's Python reads their parents through the
    filtered changelog, which raises)."""
    count = len(rlog)
    low = nullrev if null else 0
    filtered = None if hidden else filteredrevs(rlog)
    for rev in revs:
        if type(rev) is not int or not low <= rev < count:
            return True
        if filtered is not None and rev in filtered:
            return True
    return False


def canonical_order(rlog):
    """Whether `rlog` reports a stored null first parent second (changelogs and
    manifests; filelogs do not): first-parent walks follow what it reports."""
    return rlog.feature_config.canonical_parent_order


def runslazily(revs):
    """Whether consuming `revs` to its end runs Mercurial code lazily, code that may
    raise where Mercurial, consuming only part of it, never looks: a generator of
    Mercurial's (a walk from the working directory, say) anywhere in the smartset.
    Sets whose members are known (smartsets.py's, basesets, spans, filters and
    unions of those) can be read whole. (Here, not in smartsets.py: the guards
    below ask it before that module is imported.)"""
    if type(revs).__module__ == _SMARTSETS_MODULE:
        return False
    if isinstance(revs, (smartset.baseset, smartset._spanset, list, set, tuple, range)):
        return False
    if isinstance(revs, smartset.filteredset):
        return runslazily(revs._subset)
    if isinstance(revs, smartset.addset):
        return runslazily(revs._r1) or runslazily(revs._r2)
    return True


_SMARTSETS_MODULE = __package__ + '.smartsets'


# --- what Mercurial answers, decided before the answering module loads
#
# hooks.py calls a guard before importing the module whose function answers at that
# hook point: a command whose questions Mercurial answers as fast (C's `ancestor()`
# and is-ancestor while the table is not loaded; graph drawing's questions always; a
# branch-cache check with nothing to look up) imports neither that module nor the smartsets (1 to 2.5 M
# instructions), let alone the native module. A guard takes the hook's arguments,
# Mercurial's function first, and returns Mercurial's answer, or UNDECIDED for the
# answering function to decide.

#: A guard's "not decided here".
UNDECIDED = object()

# Set while a guard has Mercurial's function answer in C (`in_c`): the guards of
# the hooks that function reaches (`revlog.reachableroots`) then pass through.
_decided = threading.local()


def c_answers(rlog, method):
    """Whether Mercurial's C index answers with `method`, a walk it does as fast as
    the native code without the table, until the table pays (worthloading)."""
    return active() and hasattr(rlog.index, method) and not worthloading(rlog)


def _span(revs):
    """How many revisions a walk between the lowest and the highest of `revs` (plain
    revisions) passes at least."""
    return max(revs, default=0) - min(revs, default=0)


def commonancestorsheads_in_c(orig, rlog, *revs):
    """`revlog._commonancestorsheads`."""
    if c_answers(rlog, 'commonancestorsheads') and not unusual(rlog, revs, hidden=True):
        return leftto_c(rlog, _span(revs), orig, rlog, *revs)
    return UNDECIDED


def ancestor_in_c(orig, rlog, a, b):
    """`revlog.ancestor`."""
    if c_answers(rlog, 'commonancestorsheads'):
        return leftto_c(rlog, _span((rlog.rev(a), rlog.rev(b))), orig, rlog, a, b)
    return UNDECIDED


def isancestorrev_in_c(orig, rlog, a, b):
    """`revlog.isancestorrev`: Mercurial answers through reachableroots (whose
    guard counts the walk toward the table)."""
    if not worthloading(rlog, None if hasattr(rlog.index, 'reachableroots2') else b - a):
        return orig(rlog, a, b)
    return UNDECIDED


def reachableroots_in_c(orig, rlog, minroot, heads, roots, includepath=False):
    """`revlog.reachableroots` (is-ancestor tests): C walks from the heads down to
    minroot, no further."""
    if getattr(_decided, 'in_c', False):
        return orig(rlog, minroot, heads, roots, includepath=includepath)
    if not c_answers(rlog, 'reachableroots2'):
        return UNDECIDED
    heads = list(heads)
    if not unusual(rlog, heads, hidden=True):
        span = max(heads, default=minroot) - minroot
        return leftto_c(rlog, span, orig, rlog, minroot, heads, roots, includepath=includepath)
    return orig(rlog, minroot, heads, roots, includepath=includepath)


def setop_in_mercurial(orig, self, other, *op):
    """`baseset & x` or `- x`, `span & x` or `- x` where `x` is none of smartsets.py's
    sets: Mercurial's operation (smartsets.py answers only for its own)."""
    if type(other).__module__ != _SMARTSETS_MODULE:
        return orig(self, other, *op)
    return UNDECIDED


def verifybranch_in_mercurial(orig, self, branch):
    """`_LocalBranchCache._verifybranch` of a branch the cache does not hold or has
    verified already (every revset's text is looked up as a branch name first):
    nothing to look up, Mercurial's method returns at once."""
    entries = getattr(self, '_entries', None)
    if entries is not None and branch in entries and branch not in (getattr(self, '_verifiedbranches', None) or ()):
        return UNDECIDED
    return orig(self, branch)


def dagreachableroots_in_c(orig, repo, roots, heads, includepath=False):
    """`dag_util.reachableroots` (`x::y`, graph drawing, which asks it of the same
    displayed revisions once per missing parent): decided before converting.

    Without paths (graph drawing) the answer is among the roots: from roots that
    are not a native set, C's answer in Python ints costs at most what converting
    the roots would, and C's walk is the native one. Mercurial's C answers then,
    table loaded or not: converting the displayed revisions at each question made
    `hg log -G -r 'merge()' -l 2000` on git-allrefs 30 % slower than C."""
    if not includepath and type(roots).__module__ != _SMARTSETS_MODULE and active():
        # (The unfiltered changelog: a repoview's is made again at each access.)
        if hasattr(getattr(repo.unfiltered().changelog, 'index', None), 'reachableroots2'):
            outer, _decided.in_c = getattr(_decided, 'in_c', False), True
            try:
                return orig(repo, roots, heads, includepath)
            finally:
                _decided.in_c = outer
    cl = repo.changelog
    if not roots or not c_answers(cl, 'reachableroots2') or runslazily(roots) or runslazily(heads):
        return UNDECIDED
    span = max(heads, default=0) - (roots.min() if hasattr(roots, 'min') else min(roots))
    if not worthloading(cl, span):
        return orig(repo, roots, heads, includepath)
    return UNDECIDED
