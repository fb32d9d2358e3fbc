"""Shims over Mercurial versions, each dated by the release that brought the API, and
over its lazy module loading; the Mercurial smartset internals oxidag relies on."""

from __future__ import annotations

import importlib.util

from mercurial import smartset

try:
    # Mercurial 7.2 moved the revset walkers from mercurial.dagop to utils.dag_util.
    from mercurial.utils import dag_util as revset_walkers
except ImportError:  # Mercurial < 7.2
    from mercurial import dagop as revset_walkers  # noqa: F401

try:
    # Mercurial 7.2 moved the predicates out of revset.py; they register themselves
    # when imported (hg imports them at start, an API user may not have yet).
    from mercurial import revset_predicates

    load_revset_predicates = revset_predicates.init
except ImportError:  # Mercurial < 7.2
    def load_revset_predicates():
        pass


# Mercurial's smartset internals oxidag relies on, which no API promises.
# smartsets.py's sets subclass Mercurial's and keep their state under its names for
# the methods they inherit (a baseset's `_asclist`, `_datarepr`, ...); they, the
# revsets and hidden.py read other sets' (a span's bounds, a filter's subset and
# condition repr, an addset's operands); hooks.py wraps `baseset._fastsetop`. A
# release renaming one would turn revsets into AttributeError: `smartsetgaps()` is
# checked at load, and on a gap none of the hooks relying on these is installed
# (hooks.install), so Mercurial's own code answers.
# Each class: a tiny instance of it, and the names relied on. An instance has a
# name whether `__init__` sets it or its class does (a method, a propertycache),
# however Mercurial's source spells it; none of these needs a repository.
# (Also relied on, but tested where used: `dag_util._genrevancestors`, walkers.py.)
SMARTSET_CONTRACT = {
    'baseset': (
        lambda s: s.baseset([1, 2]),
        ('_set', '_list', '_asclist', '_ascending', '_istopo', '_datarepr', '_fastsetop'),
    ),
    'filteredset': (lambda s: s.filteredset(s.baseset([1])), ('_subset', '_condrepr')),
    'addset': (lambda s: s.addset(s.baseset([1]), s.baseset([2])), ('_r1', '_r2')),
    '_spanset': (lambda s: s._spanset(0, 2, True, None), ('_start', '_end', '_hiddenrevs')),
}
# The releases it was checked against: testedwith's (tests/test_compat.py checks
# each one installed here).
SMARTSET_CHECKED_WITH = ('6.9.5', '7.0.3', '7.1.2', '7.2.4')


def smartsetgaps():
    """What SMARTSET_CONTRACT names and Mercurial's smartset module lacks, as
    `class.name` (or `class` for a class gone or no longer built so)."""
    gaps = []
    for name, (make, attributes) in SMARTSET_CONTRACT.items():
        try:
            sample = make(smartset)
        except Exception:  # the class is gone or takes other arguments
            gaps.append(name)
            continue
        gaps += ['%s.%s' % (name, attribute) for attribute in attributes if not hasattr(sample, attribute)]
    return gaps


# Mercurial's demandimport loads modules lazily (importlib's LazyLoader): a module
# object stays a `_LazyModule` until an attribute of it is first read.
_LazyModule = getattr(importlib.util, '_LazyModule', None)


def _islazy(obj):
    return _LazyModule is not None and type(obj) is _LazyModule


def modulename(obj):
    """The name of a module (without loading a lazy one) or of a class."""
    if _islazy(obj):
        return object.__getattribute__(obj, '__dict__')['__name__']
    return obj.__name__


def whenloaded(obj, install):
    """`install(obj)` now; for a module Mercurial has not loaded yet, right after it
    is (so that a command that never uses the module never loads it)."""
    if not _islazy(obj):
        install(obj)
        return
    spec = object.__getattribute__(obj, '__spec__')
    spec.loader = _InstallAfter(spec, install)


class _InstallAfter:
    """A module's loader that runs `install(module)` once it executed the module."""

    def __init__(self, spec, install):
        self._spec = spec
        self._loader = spec.loader
        self._install = install

    def exec_module(self, module):
        self._spec.loader = self._loader
        self._loader.exec_module(module)
        self._install(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)
