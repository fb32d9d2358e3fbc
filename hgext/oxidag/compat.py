"""Shims over Mercurial versions, each dated by the release that brought the API."""

from __future__ import annotations

try:
    # Mercurial 7.2 moved the revset walkers from mercurial.dagop to utils.dag_util.
    from mercurial.utils import dag_util as revset_walkers
except ImportError:  # Mercurial < 7.2
    from mercurial import dagop as revset_walkers  # noqa: F401
