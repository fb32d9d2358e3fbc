"""Smartsets backed by a native revision set.

They stand where Mercurial's revset walkers return a `generatorset` (ancestors,
descendants) and behave as that generatorset does once its generator is consumed:
same iteration order and order flags, same `first`/`last`, same repr (it shows in
`hg debugrevspec`). The difference: `len`, `in`, `min`, `max` and iteration are
answered by the native set, and `&` / `-` between two of them are computed in Rust
(the result keeps Mercurial's `filteredset` shape, order and repr).
"""

from __future__ import annotations

from mercurial import smartset


class _nativemembers:
    """What both classes answer from `self._native`, in the order `isascending()`
    gives."""

    def __contains__(self, rev):
        return rev in self._native

    def __nonzero__(self):
        return bool(self._native)

    __bool__ = __nonzero__

    def __len__(self):
        return len(self._native)

    def __iter__(self):
        return iter(self._native) if self.isascending() else self._native.descending()

    def min(self):
        value = self._native.min()
        if value is None:
            raise ValueError(b'arg is an empty sequence')
        return value

    def max(self):
        value = self._native.max()
        if value is None:
            raise ValueError(b'arg is an empty sequence')
        return value

    def first(self):
        return self._native.min() if self.isascending() else self._native.max()

    def last(self):
        return self._native.max() if self.isascending() else self._native.min()


class nativeset(_nativemembers, smartset.abstractsmartset):
    """`generatorset(gen, iterasc)` over a fully known native set."""

    def __init__(self, native, iterasc):
        self._native = native
        self._iterasc = iterasc
        # As generatorset: ascending until sorted or reversed, whatever `iterasc`.
        self._ascending = True

    def fastasc(self):
        return iter(self._native)

    def fastdesc(self):
        return self._native.descending()

    def sort(self, reverse=False):
        self._ascending = not reverse

    def reverse(self):
        self._ascending = not self._ascending

    def isascending(self):
        return self._ascending

    def isdescending(self):
        return not self._ascending

    def istopo(self):
        return False

    def __and__(self, other):
        if isinstance(other, nativeset):
            return nativefilteredset(
                self, self._native & other._native, other.__contains__, other
            )
        return super().__and__(other)

    def __sub__(self, other):
        if isinstance(other, nativeset):
            c = other.__contains__
            return nativefilteredset(
                self,
                self._native - other._native,
                lambda r: not c(r),
                (b'<not %r>', other),
            )
        return super().__sub__(other)

    def __repr__(self):
        name = b'generatorsetasc' if self._iterasc else b'generatorsetdesc'
        return '<%s%s>' % (name.decode(), '+' if self._ascending else '-')


class nativefilteredset(_nativemembers, smartset.filteredset):
    """`filteredset(subset, condition)` whose members are known natively.

    Its order is its subset's (a `nativeset`, so it follows `sort`/`reverse` made
    on either); its repr is `filteredset`'s.
    """

    def __init__(self, subset, native, condition, condrepr):
        super().__init__(subset, condition, condrepr)
        self._native = native

    @property
    def fastasc(self):
        return lambda: iter(self._native)

    @property
    def fastdesc(self):
        return self._native.descending


# `hg debugrevspec` prints type names: keep Mercurial's.
nativefilteredset.__name__ = 'filteredset'
