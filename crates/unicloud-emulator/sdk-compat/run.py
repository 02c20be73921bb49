"""Runs every test_*.py here with unittest and ends with one summary line,
`sdk-compat: N passed, N failed`. Exits non-zero when anything failed, errored or was
skipped, or when no test ran at all: the suite never passes by skipping."""

import pathlib
import sys
import unittest


def main():
    here = pathlib.Path(__file__).resolve().parent
    suite = unittest.defaultTestLoader.discover(str(here), pattern="test_*.py", top_level_dir=str(here))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped) + len(result.expectedFailures)
    passed = result.testsRun - failed - skipped
    print(f"sdk-compat: {passed} passed, {failed + skipped} failed")
    if skipped:
        print(f"sdk-compat: {skipped} test(s) skipped, which counts as failure", file=sys.stderr)
    return 0 if result.testsRun > 0 and failed == 0 and skipped == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
