"""native DAG ancestry for Mercurial (Rust)

oxidag answers Mercurial's ancestry questions with a Rust core: ancestors
(``ancestors()``, ``::x``, lazy ancestor sets), missing ancestors (``only()``,
discovery for push, pull, outgoing and incoming), descendants, heads of sets,
common ancestors, ``x::y`` and is-ancestor tests. Output is identical to
Mercurial's; only speed changes. Whatever the native module cannot serve falls
back to Mercurial's own code.

``hg debugoxidag`` shows which backend runs (pyo3, cpython, or the Python
fallback), why, and which hooks are active.

Configuration (read from the user and system configuration, and ``--config``)::

  [oxidag]
  # auto: native when available, else Mercurial's code (default)
  # native: abort if the native module is missing
  # python: always Mercurial's code
  mode = auto
"""

from __future__ import annotations

from mercurial.i18n import _
from mercurial import (
    error,
    extensions,
    registrar,
    util,
)

from . import native, wrappers

testedwith = b'7.2.4'
minimumhgversion = b'7.2'
buglink = b'https://example.invalid/oxidag/issues'

cmdtable = {}
command = registrar.command(cmdtable)

configtable = {}
configitem = registrar.configitem(configtable)

configitem(b'oxidag', b'mode', default=b'auto')

MODES = (b'auto', b'native', b'python')

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
        raise error.Abort(
            _(b'oxidag.mode=native but the native module is missing'),
            hint=native.reason(),
        )
    native.mode = mode
    if native.active():
        _hooks[:] = wrappers.install(extensions)
    ui.debug(b'oxidag: %s\n' % native.reason())


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
    ui.write(b'hooks: %d active\n' % len(_hooks))
    for hook in _hooks:
        ui.write(b'  %s\n' % hook)
