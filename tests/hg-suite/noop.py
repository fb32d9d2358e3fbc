"""an extension that does nothing (tests/hg-suite: which tests change merely because
an extension is enabled)"""

testedwith = b'7.2.4'
