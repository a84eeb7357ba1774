/*
** lineflow-gil.c: the interpreter's count of GIL hand-overs, which quick
** snapshots (lineflow.h) need besides the lines they analyse. Another
** thread can run between two events of a frame without an event of its
** own: library code has no line events, and a thread that blocked in the
** middle of a line (a sleep, a lock, I/O) runs the rest of that line when
** it wakes. What it changes there, only a walk sees.
**
** CPython's take_gil() adds one to gil->switch_number whenever the thread
** that takes the GIL is not its last holder (Python/ceval_gil.c, 3.9 to
** 3.13), so the same count at two events means that no other thread ran in
** between. The struct is internal: one in _PyRuntime up to 3.11, one per
** interpreter from 3.12 (PEP 684, interp->ceval.gil). It is included the
** way locals.c includes it: Py_BUILD_CORE before Python.h, whose public
** headers otherwise define macros the internal ones define again.
*/
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE 1
#include <Python.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#if PY_VERSION_HEX >= 0x030C0000
#  include <internal/pycore_interp.h>
#else
#  include <internal/pycore_runtime.h>
#endif
#pragma GCC diagnostic pop
#include "recorder/lineflow.h"

const volatile unsigned long *trec_lineflow_gil_count(void){
#if defined(Py_GIL_DISABLED)
  return NULL;     /* threads run at once: no count can say none ran */
#elif PY_VERSION_HEX >= 0x030C0000
  PyInterpreterState *interp = PyInterpreterState_Get();
  return interp->ceval.gil!=NULL ? &interp->ceval.gil->switch_number : NULL;
#else
  return &_PyRuntime.ceval.gil.switch_number;
#endif
}
