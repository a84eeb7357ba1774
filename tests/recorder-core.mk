# tests/recorder-core.mk: tests of the recorder-core part (the _tracerec
# module driven directly; reads traces with tests/helper/trec-dump, built by
# tests/recorder.mk).
TESTS += tests/t0250-recorder-core.py
EXTRA_DIST += tests/t0250-recorder-core.py
