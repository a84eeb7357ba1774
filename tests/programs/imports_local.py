"""Importing a module of the program itself (recorded in full) from the
script's directory, which is sys.path[0]."""
import helper_mod

print(helper_mod.double(21), helper_mod.GREETING)
print("EXIT-SUCCESS")
