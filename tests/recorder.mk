# tests/recorder.mk: end-to-end tests of recording (`tracerec run`, the
# tracerec package), against plain python and a sys.settrace reference.
check_PROGRAMS += tests/helper/trec-dump
tests_helper_trec_dump_SOURCES = tests/helper/trec-dump.c
tests_helper_trec_dump_CPPFLAGS = $(AM_CPPFLAGS) $(JANSSON_CFLAGS) $(SQLITE3_CFLAGS)
tests_helper_trec_dump_LDADD = schema/libtrecschema.la $(JANSSON_LIBS) \
	$(SQLITE3_LIBS) $(LZ4_LIBS) -lm -lpthread

TESTS += tests/t0200-run-cli.sh tests/t0201-run-like-python.py \
	tests/t0210-run-reference.py tests/t0220-run-crash-fork.py \
	tests/t0221-run-record-api.py tests/t0222-run-options.py
EXTRA_DIST += tests/t0200-run-cli.sh tests/t0201-run-like-python.py \
	tests/t0210-run-reference.py tests/t0220-run-crash-fork.py \
	tests/t0221-run-record-api.py tests/t0222-run-options.py tests/reftrace.py \
	$(RECORDER_CORPUS_FILES)
# t08xx: install rules, thread names, stored sources, the end of a run.
POLISH_TESTS = tests/t0801-install.sh tests/t0802-cli-bad-trace.sh \
	tests/t0803-run-sources.py tests/t0804-run-thread-names.py \
	tests/t0805-run-program-end.py
TESTS += $(POLISH_TESTS)
EXTRA_DIST += $(POLISH_TESTS)
RECORDER_CORPUS_FILES = \
	tests/programs/async_basic.py \
	tests/programs/async_gen.py \
	tests/programs/atexit_globals.py \
	tests/programs/atexit_handlers.py \
	tests/programs/audit_threads.py \
	tests/programs/classes.py \
	tests/programs/closures.py \
	tests/programs/comprehensions.py \
	tests/programs/ctypes_poke.py \
	tests/programs/decorators.py \
	tests/programs/deep_recursion.py \
	tests/programs/dict_collide.py \
	tests/programs/exc_caught.py \
	tests/programs/exc_chained.py \
	tests/programs/exc_finally.py \
	tests/programs/exc_reraise.py \
	tests/programs/exc_suppressed.py \
	tests/programs/exc_library.py \
	tests/programs/exc_oserror.py \
	tests/programs/exc_uncaught.py \
	tests/programs/fork_child.py \
	tests/programs/fork_os_exit.py \
	tests/programs/future_flags.py \
	tests/programs/fd_numbers.py \
	tests/programs/generators.py \
	tests/programs/helper_mod.py \
	tests/programs/hostile_objects.py \
	tests/programs/imports_local.py \
	tests/programs/inplace.py \
	tests/programs/iter_effects.py \
	tests/programs/keyboard_interrupt.py \
	tests/programs/lambda_sorted.py \
	tests/programs/library_callbacks.py \
	tests/programs/large_data.py \
	tests/programs/long_running.py \
	tests/programs/loops.py \
	tests/programs/memo_collide.py \
	tests/programs/module_churn.py \
	tests/programs/module_level.py \
	tests/programs/own_stack.py \
	tests/programs/record_region.py \
	tests/programs/quick_paths.py \
	tests/programs/recursion.py \
	tests/programs/recursive_data.py \
	tests/programs/redaction.py \
	tests/programs/reused_items.py \
	tests/programs/settrace_restore.py \
	tests/programs/show_env.py \
	tests/programs/sigterm_closing.py \
	tests/programs/sigterm_self.py \
	tests/programs/stale_frames.py \
	tests/programs/stdlib_calls.py \
	tests/programs/strings_bytes.py \
	tests/programs/subvalues.py \
	tests/programs/system_exit.py \
	tests/programs/system_exit_msg.py \
	tests/programs/typed_values.py \
	tests/programs/kin_values.py \
	tests/programs/threads.py \
	tests/programs/threads_churn.py \
	tests/programs/threads_concurrent.py \
	tests/programs/threads_generator.py \
	tests/programs/threads_own_tracer.py \
	tests/programs/threads_raw.py \
	tests/programs/threads_raw_waited.py \
	tests/programs/unbound.py \
	tests/programs/yield_from.py \
	tests/programs/dirapp/__main__.py \
	tests/programs/pkgmod/__init__.py \
	tests/programs/pkgmod/__main__.py \
	tests/programs/pkgmod/sub.py
