# The pure-Python part of the recorder: the `tracerec` package, installed
# beside the _tracerec extension (pyexecdir) so one PYTHONPATH entry finds both.
tracerecpkgdir = $(pyexecdir)/tracerec
tracerecpkg_PYTHON = recorder/tracerec/__init__.py recorder/tracerec/__main__.py \
	recorder/tracerec/_cli.py recorder/tracerec/_runner.py \
	recorder/tracerec/_session.py
