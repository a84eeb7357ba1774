/*
** module.c: the _tracerec extension module (placeholder until the recorder
** exists).
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef tracerec_module = {
  PyModuleDef_HEAD_INIT, "_tracerec", "tracerec's recorder", -1, NULL,
  NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__tracerec(void);
PyMODINIT_FUNC PyInit__tracerec(void){
  return PyModule_Create(&tracerec_module);
}
