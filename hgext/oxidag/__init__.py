"""native DAG ancestry for Mercurial (Rust)

oxidag answers Mercurial's ancestry questions with a Rust core: ancestors
(``ancestors()``, ``::x``, lazy ancestor sets), missing ancestors (``only()``,
discovery for push, pull, outgoing and incoming), descendants (also
depth-limited), ``heads()``, ``roots()``, ``parents()``, ``children()``,
common ancestors, ``x::y``, is-ancestor tests and the heads below a revision
(``hg heads -r REV``); also what every command on a repository with
obsolescence markers computes first (the hidden, obsolete and orphan
changesets), discovery's sampling, and turning many nodes into revisions at
once (a revset's node list, a branch cache's heads: ``hg heads -r REV``; the
nodes discovery asks the other repository about and the heads it answers with:
``hg incoming``, ``hg outgoing``, pull and push) without the node tree Mercurial's C index builds for
it. Output is identical to
Mercurial's; only speed changes. Whatever the native module cannot serve falls
back to Mercurial's own code.

The parents of a changelog of 65,536 revisions or more are kept in
``.hg/cache/oxidag-dag-v1`` (written at a command's first native answer, or by
``hg debugupdatecaches``), so that a short command does not read the whole
changelog first; the file is used only when it checks out against the
changelog, else ignored and rewritten. Until a
command has read them, a walk over a small part of a large changelog (``x::y``
near tip, the first revisions of ``hg log -f``) stays with Mercurial's code, and
so do common-ancestor questions (as fast in Mercurial's C until the
reachability index exists) until the revisions they walk add up to half the
changelog. Graph drawing's questions (``hg log -G``) are left to Mercurial's C
index whenever there is one: their answers are among the displayed revisions. A command that asks no ancestry question, or
only questions left to Mercurial's C, does not even load the native module, nor
the extension's code that answers natively.
Under chg (Mercurial's command server), the server loads it and the
extension's code once for every command, and a server preloading repositories
(``cmdserver.max-repo-cache``) keeps the parents in memory for every command.

Is-ancestor tests, common ancestors (``ancestor()``, merges, rebase) and
``x::y`` of unrelated revisions are answered through a reachability index
(generation numbers, and each revision's nearest main-line ancestor and
descendant) instead of walking the revisions between: built in memory once a
command's walks have cost about three times what building it does (17 ms at a
million revisions), or in advance by a chg server preloading the repository.
``commonancestors()`` of many revisions answers where Mercurial's recurses too
deep.

A lazy ancestor set or revset result computed natively stays valid when the
repository grows; after a strip of the revisions it was computed on, it raises
``RuntimeError`` rather than answer for a graph that is gone (also the next item
of an iteration under way). Long native work stops on Ctrl-C.

Revsets rely on internals of Mercurial's smartsets that no API promises; they
are checked when the extension loads, and on a Mercurial that lacks one,
revsets are answered by Mercurial's own code (the other native answers stay).

``hg debugoxidag`` shows which backend runs (pyo3, cpython, or the Python
fallback), why, whether the smartset internals are there, and which hooks are
active; ``--debug`` output says so when the native module is missing or the
smartset internals are not there.

Configuration (the ``[oxidag]`` section of the user and system configuration,
or ``--config``; also :hg:`help config.oxidag`):

%s
Work on Rust-owned data runs with Python's GIL released, so other Python
threads (hgweb, command servers) run meanwhile.
"""

from __future__ import annotations

from mercurial.i18n import _
import atexit
import os

from mercurial import (
    dispatch,
    error,
    extensions,
    help,
    pycompat,
    registrar,
    util,
)

from . import compat, dagcache, hooks, native

testedwith = b'6.9.5 7.0.3 7.1.2 7.2.4'
minimumhgversion = b'6.9'

cmdtable = {}
command = registrar.command(cmdtable)

MODES = (b'auto', b'native', b'python')
# The bounds of the numeric options (the native module refuses beyond).
MAX_THREADS = 1024
MAX_THRESHOLD = 2**63 - 1

# Each option once: its default, and its help as `hg help config.oxidag` shows it.
OPTIONS = (
    (b'mode', b'auto', b"""``auto``: native when the module is available, else Mercurial's code.
    ``native``: abort when the native module is missing (one that is there
    but cannot be loaded: at the first native answer), or when Mercurial
    reads revlogs with its own Rust extensions (their index is not served).
    ``python``: always Mercurial's code.
    (default: auto)"""),
    (b'threads', 0, b"""Threads of the parallel kernels (heads of large sets, children, set
    algebra, batches of queries): 0 is one per core, 1 sequential, at most
    %d. The environment variable ``OXIDAG_THREADS`` overrides it.
    (default: 0)""" % MAX_THREADS),
    (b'parallel-threshold', 65536, b"""Inputs smaller than this (revisions, or members of a set) are handled on
    one thread: splitting them costs more than it saves. At least 1.
    (default: 65536)"""),
    (b'dag-cache', True, b"""Keep the changelog's parents in ``.hg/cache/oxidag-dag-v1`` (from 65,536
    revisions on), so that a command's first native answer does not read the
    whole changelog.
    (default: yes)"""),
)
_OPTIONS_HELP = b"""``oxidag``
----------

Native DAG ancestry (the oxidag extension). A value that is not valid is
reported in one warning line naming the option and the value, and the
default is used.

%s
""" % b"\n".join(b"``%s``\n    %s\n" % (name, text) for name, _default, text in OPTIONS)

configtable = {}
configitem = registrar.configitem(configtable)
for _name, _default, _text in OPTIONS:
    configitem(b'oxidag', _name, default=_default)
# For our tests of the DAG cache on small repositories (see dagcache.py).
configitem(b'devel', b'oxidag.dag-cache-min-revisions', default=native.SMALL_REVLOG)

__doc__ %= _OPTIONS_HELP.split(b'\n', 3)[3].decode()


def getversion():
    """The version `hg version -v` shows (the native module's, which is the
    package's; the installed package's metadata for the fallback)."""
    module = native.load()
    if module is not None:
        return module.__version__.encode('ascii')
    try:
        from importlib import metadata

        return metadata.version('oxidag').encode('ascii')
    except Exception:  # a checkout without the native module: nothing to tell
        return b''


def _confighelp(ui, topic, doc):
    return doc + b'\n\n' + _OPTIONS_HELP


# `hg help config` shows the options; Mercurial's help module is loaded only by
# commands that print help.
compat.whenloaded(help, lambda module: module.addtopichook(b'config', _confighelp))

_hooks = []


def extsetup(ui):
    mode = ui.config(b'oxidag', b'mode')
    if mode not in MODES:
        ui.warn(
            _(b'oxidag: oxidag.mode must be one of %s, not %s; using auto\n')
            % (b', '.join(MODES), mode)
        )
        mode = b'auto'
    if mode == b'native' and (not native.found() or native.rustindexes()):
        # An exception here would only become a warning: refuse every command. (A
        # module found but not loadable is refused at the first native answer.)
        extensions.wrapfunction(dispatch, 'runcommand', _refuse_native_mode)
    native.mode = mode
    if native.active():
        # Applied when the native module is loaded (at the first native answer).
        native.configure('setthreads', _threads(ui))
        native.configure('setthreshold', _intoption(ui, b'parallel-threshold', 1, MAX_THRESHOLD))
        native.configure('setwarning', lambda message: ui.warn(b'oxidag: %s\n' % message.encode()))
        # Dropped before Python's shutdown: a function held by the native module
        # keeps this module's globals alive into the teardown of every module,
        # which then costs ~0.4% of a short command (`hg id`).
        atexit.register(_dropwarning)
        dagcache.enabled = _booloption(ui, b'dag-cache')
        dagcache.min_revisions = _intoption(
            ui, b'oxidag.dag-cache-min-revisions', 0, MAX_THRESHOLD, section=b'devel'
        )
        gaps = compat.smartsetgaps()
        if gaps:
            ui.debug(b"oxidag: Mercurial's smartset lacks %s; revsets use Mercurial's own code\n"
                     % ', '.join(gaps).encode('ascii'))
        _hooks[:] = hooks.install(nativerevsets=not gaps)
    if not native.active() and mode == b'auto':
        # Only an unexpected fallback is worth a line: Mercurial's own test suite
        # runs commands with --debug and captures their output.
        ui.debug(b'oxidag: falling back to Mercurial: %s\n' % native.reason())


def _dropwarning():
    module = native.loaded()
    if module is not None:
        module.setwarning(None)


def _refuse_native_mode(orig, *args, **kwargs):
    if not native.found():
        raise native.missing()
    raise error.Abort(
        _(b"oxidag.mode=native but Mercurial's Rust index is not served"),
        hint=_(b'this Mercurial reads revlogs with its Rust extensions (HGMODULEPOLICY=%s): '
               b'use HGMODULEPOLICY=c, or oxidag.mode=auto') % native.policyname(),
    )


def _booloption(ui, name):
    """oxidag.NAME as a boolean; else one warning line and the default."""
    default = configtable[b'oxidag'][name].default
    try:
        return ui.configbool(b'oxidag', name)
    except error.ConfigError:
        ui.warn(
            _(b'oxidag: oxidag.%s must be a boolean, not %s; using %s\n')
            % (name, ui.config(b'oxidag', name), b'yes' if default else b'no')
        )
        return default


def _intoption(ui, name, low, high, override=None, section=b'oxidag'):
    """SECTION.NAME (or `override`, from the environment) as an int in [low, high];
    else one warning line naming the option and its value, and the default."""
    default = configtable[section][name].default
    raw = ui.config(section, name) if override is None else override
    raw = pycompat.bytestr(raw)
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        ui.warn(
            _(b'oxidag: %s.%s must be an integer from %d to %d, not %s; using %d\n')
            % (section, name, low, high, raw, default)
        )
        return default
    return value


def _threads(ui):
    """oxidag.threads, or OXIDAG_THREADS when set (0: one per core)."""
    return _intoption(ui, b'threads', 0, MAX_THREADS, os.environ.get('OXIDAG_THREADS'))


@command(
    b'debugoxidag', [], b'', optionalrepo=True, helpcategory=command.CATEGORY_MAINTENANCE
)
def debugoxidag(ui, repo=None, **opts):
    """show the oxidag backend, and why it serves (or does not)"""
    module = native.load()
    version = module.__version__ if module is not None else 'none'
    ui.write(b'oxidag version: %s\n' % version.encode('ascii'))
    ui.write(b'backend: %s\n' % native.backend())
    ui.write(b'reason: %s\n' % native.reason())
    ui.write(b'mode: %s\n' % native.mode)
    if native.active():
        ui.write(b'threads: %d\n' % module.threads())
        ui.write(b'parallel threshold: %d\n' % module.threshold())
    ui.write(b'mercurial: %s\n' % util.version())
    gaps = compat.smartsetgaps()
    if gaps:
        contract = b"lacks %s (revsets use Mercurial's own code)" % ', '.join(gaps).encode('ascii')
    else:
        contract = b'holds (checked with %s)' % ' '.join(compat.SMARTSET_CHECKED_WITH).encode('ascii')
    ui.write(b'smartset contract: %s\n' % contract)
    if module is not None:
        status, abi = module.capsulestatus()
        ui.write(b'capsule: %s%s\n' % (status.encode('ascii'), b' (ABI %d)' % abi if abi else b''))
    if repo is not None:
        index = repo.changelog.index
        ui.write(
            b'changelog index: %s.%s, %s\n'
            % (
                type(index).__module__.encode('ascii'),
                type(index).__name__.encode('ascii'),
                native.servesindexstate(index),
            )
        )
        if native.active():
            path, state = dagcache.describe(repo)
            ui.write(b'dag cache: %s: %s\n' % (path, state))
    ui.write(b'hooks: %d active\n' % len(_hooks))
    for hook in _hooks:
        ui.write(b'  %s\n' % hook)
