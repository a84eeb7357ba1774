/*
** floor.c: the benchmark floor, a CPython extension `_benchfloor` whose
** trace function records nothing. Its cost is what any C tracer pays just
** for being called at every event; recorder targets are stated against it.
** It counts the events it sees (one increment, no allocation) so the runner
** can check that it saw what the recorder saw.
**
** install(): PyEval_SetTrace on the calling thread (the runner arranges
** that threads started later install it too).
** noop(): a C callable doing nothing, which the runner registers with
** sys.monitoring on 3.12+ for the events a recorder needs: the floor of a
** sys.monitoring backend.
** count(): events seen so far.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static unsigned long long n_events;

static int floor_trace(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg){
  (void)obj; (void)frame; (void)what; (void)arg;
  n_events++;
  return 0;
}

static PyObject *floor_install(PyObject *self, PyObject *unused){
  (void)self; (void)unused;
  PyEval_SetTrace(floor_trace, NULL);
  Py_RETURN_NONE;
}

static PyObject *floor_count(PyObject *self, PyObject *unused){
  (void)self; (void)unused;
  return PyLong_FromUnsignedLongLong(n_events);
}

/* The sys.monitoring callback: takes any arguments, returns None. */
static PyObject *floor_noop(PyObject *self, PyObject *const *args, Py_ssize_t nargs){
  (void)self; (void)args; (void)nargs;
  n_events++;
  Py_RETURN_NONE;
}

static PyMethodDef floor_methods[] = {
  {"install", floor_install, METH_NOARGS, "trace this thread with a no-op C trace function"},
  {"count", floor_count, METH_NOARGS, "events seen"},
  {"noop", (PyCFunction)(void (*)(void))floor_noop, METH_FASTCALL,
   "no-op callback for sys.monitoring"},
  {NULL, NULL, 0, NULL}
};

static struct PyModuleDef floor_module = {
  PyModuleDef_HEAD_INIT, "_benchfloor", "the benchmark floor: C tracers that record nothing",
  -1, floor_methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__benchfloor(void){
  return PyModule_Create(&floor_module);
}
