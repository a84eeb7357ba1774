"""tracerec: record a Python program's whole execution."""
