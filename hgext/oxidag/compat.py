"""Shims over Mercurial versions, each dated by the release that brought the API."""

from __future__ import annotations

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
