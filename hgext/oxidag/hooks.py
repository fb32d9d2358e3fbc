"""Where oxidag attaches to Mercurial: every hook point and the function answering
there, installed by extsetup.

A command that walks no ancestry (`hg id`, `hg status`) pays for this table only:
each hook calls its answering function through a trampoline, so the module that
holds it (wrappers.py, revsets.py, ...) is imported at the first call, not at
start (not even found: each lookup of a module costs a command ~0.3 M
instructions); hooks on Mercurial modules that such a command does not load (the revset
walkers, setdiscovery, the command server's repository cache) are attached when
Mercurial loads them (`compat.whenloaded`). Where Mercurial's C answers while
the parents table is not loaded (a common-ancestor or is-ancestor question, graph
drawing, set operations between Mercurial's own smartsets), a guard in native.py
says so before the answering module is imported: such a command imports none.
"""

from __future__ import annotations

import functools
import importlib

from mercurial import (
    branchmap,
    changelog,
    dagop,
    extensions,
    localrepo,
    obsolete,
    repoview,
    revlog,
    revset,
    server,
    setdiscovery,
    smartset,
)

from . import compat, native
from .compat import revset_walkers


# The modules whose functions answer at the hook points: imported at their first
# call, or all at once by a command server for the workers it forks.
ANSWERING_MODULES = ('dagcache', 'discovery', 'hidden', 'nodes', 'revsets', 'smartsets', 'walkers', 'wrappers')


def _deferred(module, name, guard=None):
    """A function calling `name` of this package's `module` (imported at the first
    call); with a `guard` (native.py: what C answers before any of this package's
    answering code loads), the guard first, and the function only if it returns
    native.UNDECIDED."""
    if module not in ANSWERING_MODULES:
        raise ValueError('oxidag: %s is not among hooks.ANSWERING_MODULES' % module)
    imported = []

    def call(*args, **kwargs):
        if guard is not None:
            answer = guard(*args, **kwargs)
            if answer is not native.UNDECIDED:
                return answer
        if not imported:
            imported.append(importlib.import_module('.' + module, __package__))
        return getattr(imported[0], name)(*args, **kwargs)

    call.__name__ = name
    return call


# (container, attribute, module answering, its function[, its guard in native.py])
_WRAPPED = [
    (revlog.revlog, 'ancestors', 'wrappers', 'ancestors'),
    (revlog.revlog, 'incrementalmissingrevs', 'wrappers', 'incrementalmissingrevs'),
    (dagop, 'headrevs', 'wrappers', 'headrevs'),
    (revlog.revlog, 'heads', 'wrappers', 'heads'),
    (revlog.revlog, 'descendants', 'wrappers', 'descendants'),
    (revlog.revlog, 'children', 'wrappers', 'children'),
    (revlog.revlog, '_commonancestorsheads', 'wrappers', 'commonancestorsheads_revs',
     native.commonancestorsheads_in_c),
    (revlog.revlog, 'ancestor', 'wrappers', 'ancestor', native.ancestor_in_c),
    (revlog.revlog, 'isancestorrev', 'wrappers', 'isancestorrev', native.isancestorrev_in_c),
    (revlog.revlog, 'reachableroots', 'wrappers', 'reachableroots', native.reachableroots_in_c),
    (revlog.revlog, 'strip', 'wrappers', 'strip'),
    # Its node lists turned into revisions at once (nodes.py).
    (changelog.changelog, 'findmissing', 'nodes', 'findmissing'),
    (changelog.changelog, 'findcommonmissing', 'nodes', 'findcommonmissing'),
]

# The revset walkers, answered with native smartsets.
_WALKERS = [
    (revset_walkers, 'revancestors', 'walkers', 'revancestors'),
    (revset_walkers, 'revdescendants', 'walkers', 'revdescendants'),
]

# The internal predicate by which a replaced predicate hands Mercurial's the sets it
# already evaluated (revsets.py).
EVALUATED = b'_oxidagevaluated'

# Revset predicates replaced (their help, weight and flags kept).
_PREDICATES = [b'children', b'commonancestors', b'heads', b'only', b'parents', b'roots']


def _wrap(container, attribute, module, function, guard=None):
    extensions.wrapfunction(container, attribute, _deferred(module, function, guard))


def _replacepredicate(name):
    orig = revset.symbols[name]
    replacement = _deferred('revsets', name.decode('ascii'))

    def predicate(*args):
        return replacement(orig, *args)

    revset.symbols[name] = functools.update_wrapper(predicate, orig)


def _replacecachefunc(name, function):
    orig = obsolete.cachefuncs[name]
    answer = _deferred('hidden', function)
    obsolete.cachefuncs[name] = lambda repo: answer(orig, repo)


def _name(container, attribute):
    return b'%s.%s' % (compat.modulename(container).encode('ascii'), attribute.encode('ascii'))


def _installwhenloaded(table):
    names = []
    for container, attribute, module, function, *guard in table:
        compat.whenloaded(container, functools.partial(_wrap, attribute=attribute, module=module, function=function,
                                                       guard=guard[0] if guard else None))
        names.append(_name(container, attribute))
    return names


def _installsmartsets():
    """The hooks that answer with native smartsets or read Mercurial's (see
    `compat.SMARTSET_CONTRACT`): the revset walkers and predicates, `x::y`, set
    algebra, node lists, and the hidden revisions' walk (it reads the filter
    Mercurial built)."""
    names = _installwhenloaded(_WALKERS)
    compat.load_revset_predicates()
    for name in _PREDICATES:
        _replacepredicate(name)
        names.append(b'revset.%s' % name)
    revset.symbols[EVALUATED] = _deferred('revsets', '_evaluatedset')
    compat.whenloaded(revset_walkers, functools.partial(_wrap, attribute='reachableroots', module='revsets',
                                                        function='reachableroots',
                                                        guard=native.dagreachableroots_in_c))
    names.append(_name(revset_walkers, 'reachableroots'))
    for container, attribute, function in (
        (smartset.baseset, '_fastsetop', '_basesetop'),
        (smartset._spanset, '__sub__', '_spansub'),
        (smartset._spanset, '__and__', '_spanand'),
    ):
        _wrap(container, attribute, 'smartsets', function, native.setop_in_mercurial)
        names.append(b'smartset.%s.%s' % (container.__name__.encode('ascii'), attribute.encode('ascii')))
    _wrap(repoview, '_revealancestors', 'hidden', 'revealancestors')
    names.append(b'repoview._revealancestors')
    # A revset's node list (`%ln`) turned into revisions at once (nodes.py).
    _wrap(revset, '_ordered_node_set', 'nodes', 'orderednodeset')
    names.append(b'revset._ordered_node_set')
    return names


def _branchcache(branchmap):
    # Mercurial's branch caches since 6.9; a release without it keeps its own lookups.
    cache = getattr(branchmap, '_LocalBranchCache', None)
    if cache is not None and hasattr(cache, '_verifybranch'):
        _wrap(cache, '_verifybranch', 'nodes', 'verifybranch', native.verifybranch_in_mercurial)


def _filteredchangelog(orig, unfichangelog, filteredrevs):
    """`repoview.wrapchangelog` makes a view's changelog as a copy of the unfiltered
    one, attributes included: not a node lookup nodes.py lends the unfiltered one
    for a while (its answers ignore the view's filtering)."""
    cl = orig(unfichangelog, filteredrevs)
    if getattr(vars(cl).get('rev'), 'oxidag_lent', False):
        del cl.rev
    return cl


def _setdiscovery(setdiscovery):
    _deferred('discovery', 'install')()
    # The other repository's heads turned into revisions at once (nodes.py).
    _wrap(setdiscovery, 'findcommonheads', 'nodes', 'findcommonheads')


def _server(server):
    """Mercurial's server module ran (`hg serve`, chg's server): its command server
    keeps repositories in a cache (repocache) to wrap. Imported only then: finding
    the module cost every command 0.24 M instructions (0.03 % of `hg id`)."""
    from mercurial import repocache

    compat.whenloaded(repocache, _commandserver)


def _commandserver(repocache):
    """Mercurial's command server (chg) loaded its repository cache: wrap it, and
    load the native module and the answering modules once in the server rather than
    in every worker it forks (importing them cost a worker ~10 ms)."""
    _wrap(repocache, '_warmupcache', 'dagcache', 'warmupcache')
    native.load()
    for module in ANSWERING_MODULES:
        importlib.import_module('.' + module, __package__)


def install(nativerevsets=True):
    """Attach every hook; returns their names for `hg debugoxidag`. Without
    `nativerevsets` (Mercurial's smartsets lack what `compat.SMARTSET_CONTRACT`
    names), none of `_installsmartsets()`: Mercurial's code answers revsets."""
    names = _installwhenloaded(_WRAPPED)
    if nativerevsets:
        names += _installsmartsets()
    # The obsolescence sets are computed through this table, filled at import.
    for name, function in ((b'obsolete', 'obsoleteset'), (b'orphan', 'orphanset')):
        _replacecachefunc(name, function)
        names.append(b'obsolete.cachefuncs[%s]' % name)
    # A branch cache's heads turned into revisions at once (nodes.py).
    compat.whenloaded(branchmap, _branchcache)
    names.append(b'branchmap._LocalBranchCache._verifybranch')
    # A view's copy of the changelog, without a lookup nodes.py lent the original.
    extensions.wrapfunction(repoview, 'wrapchangelog', _filteredchangelog)
    names.append(b'repoview.wrapchangelog')
    # Discovery's questions to the other repository (nodes.py).
    _wrap(localrepo.localrepository, 'known', 'nodes', 'known')
    names.append(b'localrepo.localrepository.known')
    compat.whenloaded(setdiscovery, _setdiscovery)
    names += [b'setdiscovery.partialdiscovery', b'setdiscovery.findcommonheads']
    _wrap(changelog.changelog, '__init__', 'dagcache', 'recordsource')
    names.append(b'changelog.__init__ (DAG cache)')
    _wrap(localrepo.localrepository, 'updatecaches', 'dagcache', 'updatecaches')
    compat.whenloaded(server, _server)
    names += [b'localrepo.updatecaches (DAG cache)', b'repocache._warmupcache (chg)']
    return names
