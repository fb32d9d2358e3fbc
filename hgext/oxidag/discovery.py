"""Setdiscovery's sampling, natively: `partialdiscovery` as Mercurial's own (the
pure-Python class a C install runs; Mercurial's Rust build has its own native
one), with the walks that choose each round's sample in Rust.

Mercurial's class walks breadth first, in Python, from the undecided revisions'
heads to their roots and back (and, for the first sample, from the local heads
into the whole graph until the sample is full): on a large undecided set, or a
graph the first walk has to cross, that is most of discovery's own time. The
native walk is Mercurial's step for step and reports the revisions it samples in
the order Mercurial adds them; they are added to the same Python sets in that
order, so that the random samples drawn from those sets (`random.sample` over
their iteration) are Mercurial's too, with the same seed. The undecided, common
and missing sets stay the Python objects Mercurial's class keeps.
"""

from __future__ import annotations

import random

from mercurial import setdiscovery

from . import native


def _sample(sample, added):
    """`sample` after Mercurial's walk added `added` to it, one by one, in order."""
    sample.update(added)
    return sample


class partialdiscovery(setdiscovery.pure_partialdiscovery):
    """Mercurial's `partialdiscovery` (same interface, state and answers); its
    sampling walks run natively where the native module serves the changelog."""

    def _serves(self):
        # Mercurial's walks read parents from the index, past any repoview: so do
        # the native ones.
        return native.servesrevlog(self._repo.changelog)

    def takequicksample(self, headrevs, size):
        if not self._serves():
            return super().takequicksample(headrevs, size)
        revs = self.undecided
        if len(revs) <= size:
            return list(revs)
        sample = set(self._repo.revs(b'heads(%ld)', revs))
        if len(sample) >= size:
            return setdiscovery._limitsample(sample, size, randomize=self.randomize)
        index = self._repo.changelog.index
        return _sample(sample, native._native.samplewalk(index, list(headrevs), sample, size))

    def takefullsample(self, headrevs, size):
        if not self._serves():
            return super().takefullsample(headrevs, size)
        revs = self.undecided
        if len(revs) <= size:
            return list(revs)
        repo = self._repo
        index = repo.changelog.index
        sample = set(repo.revs(b'heads(%ld)', revs))
        # From the heads (a copy: its iteration order is the walk's start order).
        revsheads = sample.copy()
        _sample(sample, native._native.samplewalk(index, list(revsheads), sample, 0, revs))
        # From the roots, towards children within the undecided revisions.
        revsroots = set(repo.revs(b'roots(%ld)', revs))
        _sample(sample, native._native.samplewalk(index, list(revsroots), sample, 0, revs, True))
        assert sample
        if not self._respectsize:
            size = max(size, min(len(revsroots), len(revsheads)))
        sample = setdiscovery._limitsample(sample, size, randomize=self.randomize)
        if len(sample) < size:
            more = size - len(sample)
            takefrom = list(revs - sample)
            if self.randomize:
                sample.update(random.sample(takefrom, more))
            else:
                takefrom.sort()
                sample.update(takefrom[:more])
        return sample


def install():
    """Use the native class where Mercurial would use its pure-Python one; returns the
    name for `hg debugoxidag`."""
    pure = setdiscovery.pure_partialdiscovery
    if setdiscovery.partialdiscovery is pure:
        setdiscovery.partialdiscovery = partialdiscovery
    setdiscovery.pure_partialdiscovery = partialdiscovery
    return [b'setdiscovery.partialdiscovery']
