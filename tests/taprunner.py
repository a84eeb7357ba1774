"""taprunner: run stdlib unittest tests and report them as TAP, so that
automake's TAP driver counts every test case. Works on any Python 3.9+.

    python tests/taprunner.py            # from a test module: taprunner.main()
"""
import sys
import unittest


class TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, ok, test, extra=""):
        self.n += 1
        name = test.id().split(".", 1)[-1]
        print(("ok" if ok else "not ok"), self.n, "-", name + extra, flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, " # SKIP " + reason)

    def _fail(self, test, err, what):
        self._line(False, test)
        text = self._exc_info_to_string(err, test)
        for line in text.rstrip().splitlines():
            print("#", line)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err, "failure")

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err, "error")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, " # unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is None:
            self._line(True, subtest)
        else:
            self._fail(subtest, err, "failure")


def main(module="__main__"):
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module])
    result = TapResult()
    suite.run(result)
    print("1..%d" % result.n)
    sys.exit(0 if result.wasSuccessful() else 1)
