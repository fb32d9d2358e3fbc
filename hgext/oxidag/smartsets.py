"""Smartsets backed by a native revision set.

Each stands where Mercurial returns a smartset of its own and behaves as that one
does: same iteration order and order flags, same `first`/`last`, same repr (it
shows in `hg debugrevspec`), same result types of `&` and `-`:

- `nativeset`: the `generatorset` of the revset walkers (ancestors, descendants),
  once its generator is consumed;
- `nativebaseset`: a `baseset` built from a Python set (`only()`, `heads()`,
  `children()`) or from a sorted list (`x::y`);
- `nativefilteredset`: a `filteredset` whose members are known natively;
- `nativeaddset`: the `addset` of `x or y` (`x + y`) when both are native-backed.

`x & y` and `x - y` between native-backed sets, and `span - x` (`not x`) or `span &
x` with x native-backed, give the filteredset Mercurial gives, with native members.

The difference: `len`, `in`, `min`, `max` and iteration are answered by the native
set, and set algebra between them is computed in Rust.

Across changes of the repository: a native set computed from the changelog answers
while the changelog still holds what it was computed on. A commit keeps it valid; a
strip of what it numbered makes every answer raise `RuntimeError` (never a stale
answer), as the lazy ancestors do. No Python copy of the members is kept for that
reason. A `nativeset` is computed when first consulted, as Mercurial's generator
runs when first iterated: one made before a commit and consulted after sees the
repository as it is then.
"""

from __future__ import annotations

from mercurial import smartset, util
from mercurial.node import wdirrev

from . import native


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
        if self.isascending():
            return iter(self._native)
        if self.isdescending():
            return self._native.descending()
        return super().__iter__()  # a filteredset's subset in no order

    # Properties, as filteredset's and addset's are: `s.fastasc()` either way.
    @property
    def fastasc(self):
        return lambda: iter(self._native)

    @property
    def fastdesc(self):
        return lambda: self._native.descending()

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
        if self.isascending():
            return self._native.min()
        if self.isdescending():
            return self._native.max()
        return super().first()

    def last(self):
        if self.isascending():
            return self._native.max()
        if self.isdescending():
            return self._native.min()
        return super().last()

    def __add__(self, other):
        if isinstance(other, _nativemembers):
            return nativeaddset(self, other)
        return super().__add__(other)


class _nativefilters(_nativemembers):
    """`x & y` and `x - y` with both sides native-backed, for the smartsets whose
    Mercurial counterparts filter (`abstractsmartset.__and__`/`__sub__`): the same
    filteredset (subset, condition, repr), its members computed in Rust."""

    def __and__(self, other):
        if isinstance(other, _nativemembers):
            return nativefilteredset(self, self._native & other._native, other.__contains__, other)
        return super().__and__(other)

    def __sub__(self, other):
        result = _minus(self, other)
        return super().__sub__(other) if result is None else result


class nativeset(_nativefilters, smartset.abstractsmartset):
    """`generatorset(gen, iterasc)` whose generator is the native walk `walk()`,
    run when the set is first consulted. Made as `nativeset(walk, iterasc)`, an
    instance of the subclass for `iterasc`, named as Mercurial's.

    `lazydesc`, if given, makes a native iterator of the members in descending
    order that walks only as far as it is read: until the whole set is needed,
    reading from the top (`hg log -f -l 10`, `last(::x, n)`, `max`) uses it, as
    Mercurial's descending generator yields its first revisions at once."""

    def __new__(cls, walk, iterasc, lazydesc=None):
        if cls is nativeset:
            cls = _nativesetasc if iterasc else _nativesetdesc
        return super().__new__(cls)

    def __init__(self, walk, iterasc, lazydesc=None):
        self._walk = walk
        self._iterasc = iterasc
        self._lazydesc = lazydesc
        # As generatorset: ascending until sorted or reversed, whatever `iterasc`.
        self._ascending = True

    @util.propertycache
    def _native(self):
        return self._walk()

    def _toplazily(self):
        """The lazy descending iterator, while the whole set is not computed."""
        if self._lazydesc is None or '_native' in self.__dict__:
            return None
        return self._lazydesc()

    def __iter__(self):
        if self.isdescending():
            lazy = self._toplazily()
            if lazy is not None:
                return lazy
        return super().__iter__()

    @property
    def fastdesc(self):
        return self._descending

    def _descending(self):
        lazy = self._toplazily()
        return self._native.descending() if lazy is None else lazy

    def __nonzero__(self):
        lazy = self._toplazily()
        if lazy is not None:
            return next(lazy, None) is not None
        return bool(self._native)

    __bool__ = __nonzero__

    def max(self):
        lazy = self._toplazily()
        if lazy is None:
            return super().max()
        value = next(lazy, None)
        if value is None:
            raise ValueError(b'arg is an empty sequence')
        return value

    def first(self):
        if self.isdescending() and self._lazydesc is not None:
            return next(self.fastdesc(), None)
        return super().first()

    def last(self):
        if self.isascending() and self._lazydesc is not None:
            return next(self.fastdesc(), None)
        return super().last()

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

    def __repr__(self):
        name = b'generatorsetasc' if self._iterasc else b'generatorsetdesc'
        return '<%s%s>' % (name.decode(), '+' if self._ascending else '-')


class _nativesetasc(nativeset):
    """A `nativeset` of an ascending walk (Mercurial's `_generatorsetasc`)."""


class _nativesetdesc(nativeset):
    """A `nativeset` of a descending walk (Mercurial's `_generatorsetdesc`)."""


class nativefilteredset(_nativefilters, smartset.filteredset):
    """`filteredset(subset, condition)` whose members are known natively.

    Its order is its subset's (a `nativeset`, so it follows `sort`/`reverse` made
    on either); its repr is `filteredset`'s.
    """

    def __init__(self, subset, native, condition, condrepr):
        super().__init__(subset, condition, condrepr)
        self._native = native


class nativebaseset(_nativemembers, smartset.baseset):
    """`baseset(data)` with `data` a Python set of the members (`fromset`), or their
    sorted list, then sorted. The list and the set are made only if asked for."""

    def __init__(self, native, fromset=True):
        self._native = native
        self._ascending = True
        self._istopo = False
        self._datarepr = None
        # Whether Mercurial's baseset would hold `_set` (its set operations use
        # Python's when both sides do): from the start if built from a set, else
        # once asked for membership.
        self._hasset = fromset

    @util.propertycache
    def __contains__(self):
        self._hasset = True
        return self._native.__contains__

    # Made anew at each use (repr, slices): a copy kept would outlive a strip.
    @property
    def _set(self):
        return set(self._native)

    @property
    def _asclist(self):
        return self._native.tolist()

    _list = _asclist

    def _fastsetop(self, other, op):
        if self._hasset and _hasset(other):
            # Mercurial's Python set operation: a baseset in self's order.
            other = other._native if isinstance(other, nativebaseset) else _revisions(other._set)
            return _inorderof(self, getattr(self._native, op)(other))
        if op == '__sub__' and isinstance(other, (set, frozenset)):
            return _minus(self, other)
        return getattr(smartset.abstractsmartset, op)(self, other)


def _minus(left, other):
    """`left - other` as Mercurial's `abstractsmartset.__sub__` makes it (a
    filteredset of `left`), members computed in Rust, for `other` native-backed or a
    Python set (`x - hidden revisions`: a repoview's `fullreposet & x`); else None."""
    if isinstance(other, _nativemembers):
        members = left._native - other._native
    elif isinstance(other, (set, frozenset)):
        members = left._native - _revisions(other)
    else:
        return None
    c = other.__contains__
    return nativefilteredset(left, members, lambda r: not c(r), (b'<not %r>', other))


class nativeaddset(_nativefilters, smartset.addset):
    """`addset(r1, r2)` of two native-backed smartsets (`x or y`): Mercurial's order
    (r1's, then what r2 adds, until sorted) and repr; `len`, `in` and sorted
    iteration from the union, computed in Rust when first needed."""

    @util.propertycache
    def _native(self):
        return self._r1._native | self._r2._native

    def __iter__(self):
        # Refuse after a strip, even where addset would replay a list it cached.
        len(self._native)
        return super().__iter__()


def _basesetop(orig, self, other, op):
    """Mercurial's `baseset & baseset` and `-` fast path, for a native-backed right
    side: Mercurial takes it only when `type(other) is baseset`, and without it
    `draft() - heads(all())` would be a filteredset where Mercurial's is a baseset."""
    if not (
        isinstance(other, nativebaseset)
        and other._hasset
        and '_set' in self.__dict__
        and self._ascending is not None
    ):
        return orig(self, other, op)
    mine = _revisions(self._set)
    if op == '__sub__' and len(mine) != len(self._set):
        # Null or the working directory stay in `x - y`: Python's sets, as Mercurial.
        result = smartset.baseset(self._set - other._set, istopo=self._istopo)
        result._ascending = self._ascending
        return result
    return _inorderof(self, getattr(mine, op)(other._native))


def _spansub(orig, self, other):
    """`span - x` (`not x`, `all() - x`) with x native-backed: the filteredset
    Mercurial makes (the span its subset, so its order), members computed in Rust
    from the span's revisions (less the repoview's hidden ones)."""
    if not isinstance(other, _nativemembers) or self._start < 0:
        return orig(self, other)
    c = other.__contains__
    members = _span(self) - other._native
    return nativefilteredset(self, members, lambda r: not c(r), (b'<not %r>', other))


def _spanand(orig, self, other):
    """`span & x` with x native-backed (a span short of the whole repository; the
    whole one has its own `&`): Mercurial's filteredset, members computed in Rust."""
    if not isinstance(other, _nativemembers) or self._start < 0:
        return orig(self, other)
    return nativefilteredset(self, _span(self) & other._native, other.__contains__, other)


def _span(span):
    return native._native.RevisionSet.span(span._start, span._end, span._hiddenrevs or None)


def _inorderof(left, members):
    """What the fast path returns: a baseset of `members` in `left`'s order."""
    result = nativebaseset(members)
    result._ascending, result._istopo = left._ascending, left._istopo
    return result


def _hasset(revs):
    if isinstance(revs, nativebaseset):
        return revs._hasset
    return type(revs) is smartset.baseset and '_set' in revs.__dict__


def _revisions(revs):
    """A native set of the revisions among `revs` (nullrev and the working
    directory cannot be members of a native set, nor of its `&` or `-`)."""
    return native._native.RevisionSet(r for r in revs if 0 <= r < wdirrev)


# `hg debugrevspec` prints type names: keep Mercurial's.
_nativesetasc.__name__ = '_generatorsetasc'
_nativesetdesc.__name__ = '_generatorsetdesc'
nativefilteredset.__name__ = 'filteredset'
nativeaddset.__name__ = 'addset'
nativebaseset.__name__ = 'baseset'
