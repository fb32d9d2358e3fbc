"""Whether the native module can serve, decided once at load, and why.

The extension asks `serves(index)` before every native call: the answer is a
dictionary lookup on the index's type after the first time.
"""

from __future__ import annotations

try:
    from . import _native
except ImportError as exc:  # not built, or Rust missing at install time
    _native = None
    IMPORT_ERROR = str(exc)
else:
    IMPORT_ERROR = None

#: The mode in force: b'auto', b'native' or b'python' (set by extsetup).
mode = b'auto'

_served_types = {}


def _index_types():
    types = []
    try:
        from mercurial.cext import parsers as cparsers

        types.append(cparsers.index)
    except ImportError:
        pass
    from mercurial.pure import parsers as pparsers

    types.append(pparsers.BaseIndexObject)
    return tuple(types)


_index_types_cache = []


def backend():
    """The backend name as bytes: b'pyo3', b'cpython', or b'python' (fallback)."""
    if _native is None or mode == b'python':
        return b'python'
    return _native.BACKEND.encode('ascii')


def reason():
    """Why the native module does or does not serve, as bytes."""
    if _native is None:
        return b'native module not importable: %s' % IMPORT_ERROR.encode('utf-8')
    if mode == b'python':
        return b'disabled by oxidag.mode=python'
    from mercurial import policy

    if policy.policy in (b'py', b'cffi'):
        return b'native, reading pure-Python indexes through Python (HGMODULEPOLICY=%s)' % (
            policy.policy
        )
    status, abi = _native.capsulestatus()
    if status == 'ready':
        return b'native (C index capsule ABI %d)' % abi
    if status == 'missing':
        return b'native through Python-level index access (no C index capsule)'
    return b'C index capsule ABI %d unsupported: Python-level index access' % abi


def active():
    return _native is not None and mode != b'python'


def serves(index):
    """Whether the native module answers for this index (C or pure-Python index)."""
    if not active():
        return False
    kind = type(index)
    served = _served_types.get(kind)
    if served is None:
        # Mercurial's C and pure indexes answer len() and index[rev] with parents at
        # positions 5 and 6; anything else (Rust InnerRevlog indexes) stays Mercurial's.
        module = getattr(kind, '__module__', '') or ''
        if not _index_types_cache:
            # Looked up on first use, not at import: `hg` startup stays cheap.
            _index_types_cache.append(_index_types())
        served = 'parsers' in module and issubclass(kind, _index_types_cache[0])
        _served_types[kind] = served
    return served
