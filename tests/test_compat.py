"""The Mercurial smartset internals oxidag relies on (compat.SMARTSET_CONTRACT): they
exist in every release the contract names, the native smartsets take the place of
no other, and a Mercurial lacking one gets its own revsets, with one line under
--debug, instead of AttributeError."""

import glob
import json
import os
import random
import subprocess

import pytest
from mercurial import smartset, util

import oxidag
from conftest import CHECKOUT, EXTENSION, HG_ENV, hg, make_repo, random_dag
from oxidag import compat


def test_contract_holds_on_this_mercurial():
    assert compat.smartsetgaps() == [], util.version()


def test_contract_names_every_release_oxidag_is_tested_with():
    assert sorted(compat.SMARTSET_CHECKED_WITH) == sorted(oxidag.testedwith.decode().split())


CHECK_RELEASE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("oxidagcompat", sys.argv[1])
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)
from mercurial import util
print(json.dumps([util.version().decode(), compat.smartsetgaps()]))
"""


def test_contract_holds_on_every_release_installed_here():
    # The checkout's virtualenvs (make test-hg-releases, test-older-hg) hold other
    # releases: each of them the contract names must have every name it lists.
    found = {}
    for python in sorted(glob.glob(os.path.join(CHECKOUT, ".venv*", "bin", "python"))):
        proc = subprocess.run([python, "-c", CHECK_RELEASE, os.path.join(EXTENSION, "compat.py")],
                              capture_output=True, env=HG_ENV)
        if proc.returncode != 0:
            continue  # a virtualenv without Mercurial
        version, gaps = json.loads(proc.stdout)
        found[version] = gaps
    checked = {v: gaps for v, gaps in found.items() if v in compat.SMARTSET_CHECKED_WITH}
    if not checked:
        pytest.skip("none of %s installed here" % " ".join(compat.SMARTSET_CHECKED_WITH))
    assert all(gaps == [] for gaps in checked.values()), checked


def _baseset_without_asclist(monkeypatch):
    # A copy of the class without it (monkeypatch.delattr cannot remove a
    # propertycache: read on the class, it raises AttributeError).
    namespace = {k: v for k, v in vars(smartset.baseset).items()
                 if k not in ("_asclist", "__dict__", "__weakref__")}
    monkeypatch.setattr(smartset, "baseset", type("baseset", smartset.baseset.__bases__, namespace))


def _spanset_keeping_hiddenrevs_elsewhere(monkeypatch):
    init = smartset._spanset.__init__

    def renamed(self, *args):
        init(self, *args)
        self._hidden = self.__dict__.pop("_hiddenrevs")

    monkeypatch.setattr(smartset._spanset, "__init__", renamed)


@pytest.mark.parametrize("change,gaps", [
    (_baseset_without_asclist, ["baseset._asclist"]),
    (_spanset_keeping_hiddenrevs_elsewhere, ["_spanset._hiddenrevs"]),
    (lambda mp: mp.delattr(smartset, "addset"), ["addset"]),
], ids=["class attribute", "set by __init__", "class"])
def test_a_missing_name_is_found(monkeypatch, change, gaps):
    change(monkeypatch)
    assert compat.smartsetgaps() == gaps


def test_native_smartsets_stand_in_only_for_declared_names(native):
    # What a native smartset defines under the name of something its Mercurial class
    # has (methods, properties; a nativebaseset's state, set in place of baseset's
    # __init__) must be in the contract: Mercurial's inherited code reads it there.
    from oxidag import smartsets

    declared = {name: set(names) for name, (_make, names) in compat.SMARTSET_CONTRACT.items()}
    natives = (smartsets.nativeset, smartsets.nativebaseset, smartsets.nativefilteredset, smartsets.nativeaddset)
    for ours in natives:
        theirs = next(k for k in ours.__mro__ if k.__module__ == smartset.__name__)
        defined = {name for k in ours.__mro__ if k.__module__ == smartsets.__name__ for name in vars(k)}
        shadowed = {n for n in defined if n.startswith("_") and not n.startswith("__") and hasattr(theirs, n)}
        assert shadowed <= declared.get(theirs.__name__, set()), (ours, shadowed)
    state = set(vars(smartsets.nativebaseset(native.RevisionSet([1, 2]))))
    assert state & set(vars(smartset.baseset([1, 2]))) <= declared["baseset"]


# Mercurial as a release renaming `baseset._fastsetop` would be: its own sets work.
RENAMED = """
from mercurial import smartset

smartset.baseset._setop = smartset.baseset._fastsetop
del smartset.baseset._fastsetop
smartset.baseset.__and__ = lambda self, other: self._setop(other, '__and__')
smartset.baseset.__sub__ = lambda self, other: self._setop(other, '__sub__')
"""

# Each replaced predicate, x::y, set algebra, the walkers.
EXPRS = ["only(tip, 10)", "heads(all())", "roots(ancestors(tip))", "children(2)", "parents(3::)",
         "commonancestors(tip + p1(tip))", "3::tip", "::tip - ::50", "not ::50", "descendants(3)",
         "ancestors(tip, depth=6, startdepth=3)"]


def test_a_missing_name_leaves_revsets_to_mercurial(tmp_path, native):
    path = make_repo(tmp_path / "repo", random_dag(random.Random(15), 300))
    renamed = tmp_path / "renamed.py"
    renamed.write_text(RENAMED)
    config = ["extensions.renamed=%s" % renamed]
    for expr in EXPRS:
        expected = hg("log", "-r", expr, "-T", "{rev}\n", cwd=path, extension=False).stdout
        proc = hg("log", "-r", expr, "-T", "{rev}\n", cwd=path, config=config)
        assert expected and (proc.stdout, proc.stderr) == (expected, b""), expr
    debug = hg("--debug", "log", "-r", "only(tip, 10)", "-T", "{rev}\n", cwd=path, config=config)
    lines = [line for line in debug.stdout.decode().splitlines() if line.startswith("oxidag:")]
    assert lines == ["oxidag: Mercurial's smartset lacks baseset._fastsetop; revsets use Mercurial's own code"]
    assert b"oxidag:" not in hg("--debug", "log", "-r", "only(tip, 10)", "-T", "{rev}\n", cwd=path).stdout
    shown = hg("debugoxidag", cwd=path, config=config).stdout.decode()
    assert "smartset contract: lacks baseset._fastsetop (revsets use Mercurial's own code)\n" in shown
    # The revlog hooks stay; the revset and smartset ones are not installed.
    assert "  revlog.ancestors\n" in shown and "  obsolete.cachefuncs[orphan]\n" in shown
    assert "revset." not in shown and "smartset." not in shown and "_revealancestors" not in shown
    assert "dag_util.rev" not in shown and "dagop.rev" not in shown
    assert "smartset contract: holds" in hg("debugoxidag", cwd=path).stdout.decode()
