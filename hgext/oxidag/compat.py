"""Shims over Mercurial versions, each dated by the release that brought the API, and
over its lazy module loading."""

from __future__ import annotations

import importlib.util

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
