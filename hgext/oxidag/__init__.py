"""native DAG ancestry for Mercurial (Rust)

oxidag answers Mercurial's ancestry questions with a Rust core: ancestors
(``ancestors()``, ``::x``, lazy ancestor sets), missing ancestors (``only()``,
discovery for push, pull, outgoing and incoming), descendants (also
depth-limited), ``heads()``, ``roots()``, ``parents()``, ``children()``,
common ancestors, ``x::y``, is-ancestor tests and the heads below a revision
(``hg heads -r REV``); also what every command on a repository with
obsolescence markers computes first (the hidden, obsolete and orphan
changesets), and discovery's sampling. Output is identical to Mercurial's; only
speed changes. Whatever the native module cannot serve falls back to
Mercurial's own code.

The changelog's parents are kept in ``.hg/cache/oxidag-dag-v1`` (written at a
command's first native answer, or by ``hg debugupdatecaches``), so that a short
command does not read the whole changelog first; the file is used only when it
checks out against the changelog, else ignored and rewritten. Until a
command has read them, a walk over a small part of a large changelog (drawing
the last revisions, ``x::y`` near tip) stays with Mercurial's C code. Under chg
(Mercurial's command server), a server preloading repositories
(``cmdserver.max-repo-cache``) keeps the parents in memory for every command.

A lazy ancestor set or revset result computed natively stays valid when the
repository grows; after a strip of the revisions it was computed on, it raises
``RuntimeError`` rather than answer for a graph that is gone (also the next item
of an iteration under way). Long native work stops on Ctrl-C.

``hg debugoxidag`` shows which backend runs (pyo3, cpython, or the Python
fallback), why, and which hooks are active; ``--debug`` output says so when
the native module is missing.

Configuration (read from the user and system configuration, and ``--config``)::

  [oxidag]
  # auto: native when available, else Mercurial's code (default)
  # native: abort if the native module is missing
  # python: always Mercurial's code
  mode = auto
  # threads of the parallel kernels (heads of large sets, children, set
  # algebra, batches of queries): 0 = one per core, 1 = sequential, at
  # most 1024. The environment variable OXIDAG_THREADS overrides it.
  threads = 0
  # inputs smaller than this (revisions, or members of a set) are handled
  # on one thread: splitting them costs more than it saves (at least 1)
  parallel-threshold = 65536
  # keep the changelog's parents in .hg/cache (oxidag-dag-v1), so that a
  # command's first native answer does not read the whole changelog
  dag-cache = yes

A value that is not a number within bounds is reported in one warning line
naming the option, and the default is used.

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
    pycompat,
    registrar,
    util,
)

from . import dagcache, hooks, native

testedwith = b'6.9.5 7.2.4'
minimumhgversion = b'6.9'
buglink = b'https://example.invalid/oxidag/issues'

cmdtable = {}
command = registrar.command(cmdtable)

configtable = {}
configitem = registrar.configitem(configtable)

configitem(b'oxidag', b'mode', default=b'auto')
configitem(b'oxidag', b'threads', default=0)
configitem(b'oxidag', b'parallel-threshold', default=65536)
configitem(b'oxidag', b'dag-cache', default=True)

MODES = (b'auto', b'native', b'python')
# The bounds of the numeric options (the native module refuses beyond).
MAX_THREADS = 1024

_hooks = []


def extsetup(ui):
    mode = ui.config(b'oxidag', b'mode')
    if mode not in MODES:
        ui.warn(
            _(b'oxidag: oxidag.mode must be one of %s, not %s; using auto\n')
            % (b', '.join(MODES), mode)
        )
        mode = b'auto'
    if mode == b'native' and native._native is None:
        # An exception here would only become a warning: refuse every command.
        extensions.wrapfunction(dispatch, 'runcommand', _refuse_without_native)
    native.mode = mode
    if native.active():
        native._native.setthreads(_threads(ui))
        native._native.setthreshold(_intoption(ui, b'parallel-threshold', 1, 2**63 - 1))
        native._native.setwarning(lambda message: ui.warn(b'oxidag: %s\n' % message.encode()))
        # Dropped before Python's shutdown: a function held by the native module
        # keeps this module's globals alive into the teardown of every module,
        # which then costs ~0.4% of a short command (`hg id`).
        atexit.register(native._native.setwarning, None)
        dagcache.enabled = ui.configbool(b'oxidag', b'dag-cache')
        _hooks[:] = hooks.install()
    if native._native is None and mode == b'auto':
        # Only an unexpected fallback is worth a line: Mercurial's own test suite
        # runs commands with --debug and captures their output.
        ui.debug(b'oxidag: falling back to Mercurial: %s\n' % native.reason())


def _refuse_without_native(orig, *args, **kwargs):
    raise error.Abort(
        _(b'oxidag.mode=native but the native module is missing'),
        hint=native.reason(),
    )


def _intoption(ui, name, low, high, override=None):
    """oxidag.NAME (or `override`, from the environment) as an int in [low, high];
    else one warning line naming the option and its value, and the default."""
    default = configtable[b'oxidag'][name].default
    raw = ui.config(b'oxidag', name) if override is None else override
    raw = pycompat.bytestr(raw)
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        ui.warn(
            _(b'oxidag: oxidag.%s must be an integer from %d to %d, not %s; using %d\n')
            % (name, low, high, raw, default)
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
    version = native._native.__version__ if native._native is not None else 'none'
    ui.write(b'oxidag version: %s\n' % version.encode('ascii'))
    ui.write(b'backend: %s\n' % native.backend())
    ui.write(b'reason: %s\n' % native.reason())
    ui.write(b'mode: %s\n' % native.mode)
    if native.active():
        ui.write(b'threads: %d\n' % native._native.threads())
        ui.write(b'parallel threshold: %d\n' % native._native.threshold())
    ui.write(b'mercurial: %s\n' % util.version())
    if native._native is not None:
        status, abi = native._native.capsulestatus()
        ui.write(b'capsule: %s%s\n' % (status.encode('ascii'), b' (ABI %d)' % abi if abi else b''))
    if repo is not None:
        index = repo.changelog.index
        ui.write(
            b'changelog index: %s.%s, %s\n'
            % (
                type(index).__module__.encode('ascii'),
                type(index).__name__.encode('ascii'),
                b'served natively' if native.serves(index) else b"Mercurial's code",
            )
        )
        if native.active():
            path, state = dagcache.describe(repo)
            ui.write(b'dag cache: %s: %s\n' % (path, state))
    ui.write(b'hooks: %d active\n' % len(_hooks))
    for hook in _hooks:
        ui.write(b'  %s\n' % hook)
