"""Native objects and revset results held across changes of the repository, with and
without oxidag (tests/lifecycle.py): until a strip they answer exactly as
Mercurial's do, in every way they can be consulted; after a strip of what they
read, every answer raises RuntimeError (Mercurial's own answer for revisions that
are gone, or not), also after the repository is back to its former length, also
after a reorder that keeps the length and the tip node, also the next item of an
iteration in progress."""

import os
import random
import shutil

import pytest

from conftest import hg, make_repo, random_dag

LIFECYCLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lifecycle.py")
STRIPPED = b"RuntimeError: oxidag: the revlog was stripped"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("life") / "repo", random_dag(random.Random(11), 120, branch_rate=0.5))


def run(repo, tmp_path, scenario, extension):
    copy = tmp_path / ("with" if extension else "without")
    shutil.copytree(repo, copy)
    out = hg("debuglifecycle", scenario, cwd=copy, extension=extension,
             config=["extensions.lifecycle=%s" % LIFECYCLE]).stdout
    return out.splitlines()


def split(lines):
    """{(step, name, how): result} and the other lines."""
    consults, other = {}, []
    for line in lines:
        head, sep, result = line.partition(b": ")
        parts = head.split(b" ")
        if sep and len(parts) == 3:
            consults[tuple(parts)] = result
        else:
            other.append(line)
    return consults, other


@pytest.mark.parametrize("scenario", ["strip", "reorder", "midway"])
def test_held_objects_answer_as_mercurial_then_refuse(repo, tmp_path, scenario, native):
    ours, ours_other = split(run(repo, tmp_path, scenario, True))
    theirs, theirs_other = split(run(repo, tmp_path, scenario, False))
    assert ours.keys() == theirs.keys() and ours_other == theirs_other
    before = [k for k in ours if k[0] in (b"made", b"committed")]
    after = [k for k in ours if k[0] not in (b"made", b"committed")]
    assert len(before) > 300 and len(after) >= 20
    for key in before:
        assert ours[key] == theirs[key], (key, ours[key], theirs[key])
    for key in after:
        assert ours[key].startswith(STRIPPED), (key, ours[key])
    # Mercurial's own answer for many of them: what the strip removed, or an error.
    assert sum(not theirs[k].startswith(STRIPPED) for k in after) == len(after)
    if scenario == "reorder":
        assert any(line.startswith(b"reordered: ") and b" same," in line for line in ours_other), ours_other
