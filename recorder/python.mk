# The pure-Python part of the recorder: the `tracerec` package.
tracerecpkgdir = $(pyexecdir)/tracerec
tracerecpkg_PYTHON = recorder/tracerec/__init__.py recorder/tracerec/__main__.py
