"""t0241: frame snapshots (recorder/snapshot.c, recorder/locals.c).

Each test runs real code, takes snapshots of its running frame through the
test entry points (a session = layout + shadow for one code object), and
compares them with what Python itself reports: the slot names with the code
object's variable names, full snapshots with frame.f_locals, and diffs with
the changes the code made.
"""
import gc
import importlib.util
import os
import sys
import unittest
import weakref

import valenc

_spec = importlib.util.spec_from_file_location(
    "snapvalues", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "t0240-snapshot-values.py"))
V = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(V)
M = V.M
decode, entries = V.decode, V.entries
INT, STR, LIST, DICT, OBJECT, UNBOUND, REDACTED = (V.INT, V.STR, V.LIST, V.DICT,
                                                   V.OBJECT, V.UNBOUND, V.REDACTED)


class Session:
    """Snapshots of frames of one code object, named by variable."""

    def __init__(self, code, **opts):
        self.cap = M._snapshot_session(code, **opts)
        self.names, self.n_args = M._snapshot_names(self.cap)

    def snap(self, frame, full=False):
        return {self.names[slot]: v for slot, v in
                entries(M._snapshot_frame(self.cap, frame, full)).items()}


def expected_names(code):
    """co_varnames + co_cellvars (less arguments that are cells: one slot)
    + co_freevars: the localsplus order on every version."""
    cells = [c for c in code.co_cellvars if c not in code.co_varnames]
    return code.co_varnames + tuple(cells) + code.co_freevars


def enc(v):
    return decode(valenc.encode(v, max_items=32, max_str=256, max_depth=3))


class Layouts(unittest.TestCase):
    def test_function_names_and_args(self):
        def f(a, b, /, c, *args, d, e=1, **kw):
            x = 1
            def inner():
                return a + x
            return inner
        s = Session(f.__code__)
        self.assertEqual(s.names, expected_names(f.__code__))
        self.assertEqual(s.names[:6], ("a", "b", "c", "d", "e", "args")
                         if s.names[5] == "args" else s.names[:6])
        self.assertEqual(s.n_args, 7)
        self.assertEqual(set(s.names), {"a", "b", "c", "d", "e", "args", "kw",
                                        "x", "inner"})

    def test_free_vars(self):
        def outer():
            y = 2
            def inner(z):
                return y + z
            return inner
        inner = outer()
        s = Session(inner.__code__)
        self.assertEqual(s.names, ("z", "y"))
        self.assertEqual(s.n_args, 1)

    def test_module_code_names(self):
        code = compile("import os\nx = 1\ny = os.sep\n", "<m>", "exec")
        s = Session(code)
        self.assertEqual(s.names, code.co_names)
        self.assertEqual(s.n_args, 0)


class Functions(unittest.TestCase):
    def test_full_equals_f_locals(self):
        def g(a, b="s", *args, **kw):
            c = [a, {"k": b}]
            d = None
            del d
            fr = sys._getframe()
            got = Session(fr.f_code).snap(fr, full=True)
            return got, dict(sys._getframe().f_locals)
        got, loc = g(1, "two", 3, k=4)
        del loc["got"]
        self.assertEqual(set(got), set(loc))
        for name, v in loc.items():
            self.assertEqual(got[name], enc(v), name)

    def test_diffs(self):
        def f():
            s = Session(f.__code__)
            fr = sys._getframe()
            x = 1
            lst = [1]
            d = {"a": 1}
            st = {1}
            o = V.Outer.Inner()
            r = []
            r.append(s.snap(fr, full=True))
            r.append(s.snap(fr))          # nothing changed but r
            x = 2
            r.append(s.snap(fr))          # rebinding an int
            lst.append(2)
            r.append(s.snap(fr))          # in-place list change
            d["b"] = [2]
            r.append(s.snap(fr))          # in-place dict change
            d["b"].append(3)
            r.append(s.snap(fr))          # change one level down
            st.add(5)
            o.v = "new"
            r.append(s.snap(fr))          # set and object attribute
            del x
            r.append(s.snap(fr))          # unbound again
            x = 7
            r.append(s.snap(fr))          # bound again
            return r, lst, d, st, o
        r, lst, d, st, o = f()
        full = r.pop(0)
        self.assertEqual(full["x"], (INT, 1))
        self.assertEqual(full["r"], (LIST, id(r), 0, []))
        self.assertEqual(set(full), {"s", "fr", "x", "lst", "d", "st", "o", "r",
                                     "f"})    # f: a free variable of itself
        changed = [set(x) - {"r"} for x in r]
        self.assertEqual(changed, [set(), {"x"}, {"lst"}, {"d"}, {"d"},
                                   {"st", "o"}, {"x"}, {"x"}])
        self.assertEqual(r[1]["x"], (INT, 2))
        self.assertEqual(r[2]["lst"], enc(lst))
        self.assertEqual(r[6]["x"], (UNBOUND,))
        self.assertEqual(r[7]["x"], (INT, 7))
        self.assertEqual(dict(r[5]["o"][4])["v"], (STR, 3, "new"))

    def test_pointer_or_encoding(self):
        def f():
            s = Session(f.__code__)
            fr = sys._getframe()
            n = 10 ** 20
            c = 1 + 2j
            t = (1, "a", (2.5, None, b"x"))
            s.snap(fr, full=True)
            same = s.snap(fr)
            n = n + 0                    # equal int, new object: by pointer
            c = complex(1, 2)            # equal, new object: by encoding
            t = (1, "a", [2])            # a tuple holding a list: by encoding
            first = s.snap(fr)
            t[2].append(3)
            return same, first, s.snap(fr)
        same, first, after = f()
        self.assertEqual(same, {})
        self.assertEqual(set(first), {"n", "t", "same"})
        self.assertEqual(set(after), {"t", "first"})

    def test_change_beyond_bounds_not_seen(self):
        def f():
            s = Session(f.__code__, max_items=2)
            fr = sys._getframe()
            lst = [1, 2, 3]
            s.snap(fr, full=True)
            lst[2] = 99                   # beyond max_items: invisible
            a = s.snap(fr)
            lst[0] = 99
            b = s.snap(fr)
            return a, b
        a, b = f()
        self.assertEqual(a, {})
        self.assertEqual(set(b), {"lst", "a"})

    def test_same_string_value_new_object(self):
        def f():
            s = Session(f.__code__)
            fr = sys._getframe()
            t = "".join(["a", "b"])
            s.snap(fr, full=True)
            t = "".join(["a", "b"])       # equal value, new object
            return s.snap(fr)
        got = f()
        self.assertEqual(got["t"], (STR, 2, "ab"))

    def test_cells_and_nonlocal(self):
        def f(arg):
            s = Session(f.__code__)
            fr = sys._getframe()
            cell = 1

            def bump():
                nonlocal cell, arg
                cell += 1
                arg = "changed"
            full = s.snap(fr, full=True)
            bump()
            after = s.snap(fr)
            return full, after
        full, after = f("a")
        self.assertEqual(full["arg"], (STR, 1, "a"))
        self.assertEqual(full["cell"], (INT, 1))
        del after["full"]
        self.assertEqual(after, {"cell": (INT, 2), "arg": (STR, 7, "changed")})

    def test_free_var_in_inner_frame(self):
        def outer():
            y = [1]

            def inner():
                s = Session(inner.__code__)
                fr = sys._getframe()
                first = s.snap(fr, full=True)
                y.append(2)
                return first, s.snap(fr)
            return inner()
        first, second = outer()
        self.assertEqual(first["y"][3], [(INT, 1)])
        self.assertEqual(second["y"][3], [(INT, 1), (INT, 2)])

    def test_generator_shadow_across_resumes(self):
        def gen():
            s = Session(gen.__code__)
            fr = sys._getframe()
            n = 0
            yield s.snap(fr, full=True)
            n += 1
            yield s.snap(fr)
            yield s.snap(fr)
        g = gen()
        first, second, third = list(g)
        self.assertEqual(first["n"], (INT, 0))
        self.assertEqual(second, {"n": (INT, 1)})
        self.assertEqual(third, {})

    def test_redacted_slot(self):
        def f():
            s = Session(f.__code__)
            fr = sys._getframe()
            password = "hunter2"
            my_token = [1]
            full = s.snap(fr, full=True)
            password = "other"
            return full, s.snap(fr)
        full, after = f()
        self.assertEqual(full["password"], (REDACTED, "str"))
        self.assertEqual(full["my_token"], (REDACTED, "list"))
        del after["full"]
        self.assertEqual(after, {})   # redacted: changes stay invisible

    def test_comprehension_variables(self):
        def f():
            s = Session(f.__code__)
            fr = sys._getframe()
            x = "outer"
            s.snap(fr, full=True)
            got = [s.snap(fr) for x in range(2)]
            return got, s.snap(fr)
        inside, after = f()
        if sys.version_info >= (3, 12):      # PEP 709: inlined, x is shared
            self.assertEqual([g.get("x") for g in inside], [(INT, 0), (INT, 1)])
            self.assertEqual(after["x"], (STR, 5, "outer"))
        else:                                 # a separate frame
            self.assertEqual(inside, [{}, {}])

    def test_no_strong_refs_to_mutable_values(self):
        def f():
            s = Session(f.__code__)
            fr = sys._getframe()
            obj = V.Outer.Inner()
            lst = [obj]
            ref = weakref.ref(obj)
            s.snap(fr, full=True)
            del obj, lst
            gc.collect()
            alive = ref() is not None
            s.snap(fr)
            return alive
        self.assertFalse(f())

    def test_wrong_frame_refused(self):
        def f():
            return Session(f.__code__)
        with self.assertRaises(ValueError):
            f().snap(sys._getframe())


class Threads(unittest.TestCase):
    def test_capture_repr_releasing_the_gil(self):
        # A __repr__ that sleeps lets another thread's snapshot run in the
        # middle of this one, on the same snapshotter: both must come out
        # whole (decodable, right values).
        import threading
        import time

        class Slow:
            def __repr__(self):
                time.sleep(0.0005)
                return "slow"

        def body(cap, out, rounds):
            data = [Slow(), [1, 2], {"a": Slow()}, Slow()]
            n = 0
            fr = sys._getframe()
            for _ in range(rounds):
                n += 1
                out.append(M._snapshot_frame(cap, fr, True))

        cap = M._snapshot_session(body.__code__, capture_repr=1)
        outs = [[], [], []]
        threads = [threading.Thread(target=body, args=(cap, o, 20)) for o in outs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        names = M._snapshot_names(cap)[0]
        reprs = 0
        for out in outs:
            self.assertEqual(len(out), 20)
            for payload in out:
                got = {names[k]: v for k, v in entries(payload).items()}
                first = got["data"][3][0]
                # a snapshot that came in while another was inside __repr__
                # runs without capture_repr (it must not release the GIL)
                if first[0] == V.REPR:
                    self.assertEqual(first, (V.REPR, V.type_name(Slow), "slow"))
                    reprs += 1
                else:
                    self.assertEqual(first[:3:2], (OBJECT, V.type_name(Slow)))
                self.assertEqual(got["data"][3][1][3], [(INT, 1), (INT, 2)])
                self.assertEqual(got["n"][0], INT)
        self.assertGreater(reprs, 0)


class Namespaces(unittest.TestCase):
    def run_module(self, src):
        """Run src as module code; SNAP() inside it snapshots its frame."""
        code = compile(src, "<t0241>", "exec")
        s = Session(code)
        out = []
        ns = {"__name__": "t0241mod",
              "SNAP": lambda full=False: out.append(s.snap(sys._getframe(1), full))}
        exec(code, ns)
        return out, ns

    def test_module_globals(self):
        out, ns = self.run_module(
            "import os\n"
            "x = 1\n"
            "items = [1]\n"
            "SNAP(True)\n"
            "items.append(2)\n"
            "x = 2\n"
            "SNAP()\n"
            "del x\n"
            "SNAP()\n")
        self.assertEqual(out[0]["x"], (INT, 1))
        self.assertEqual(out[0]["os"][2], repr(ns["os"]))
        self.assertEqual(set(out[1]), {"x", "items"})
        self.assertEqual(out[2], {"x": (UNBOUND,)})

    def test_module_functions_classes_modules(self):
        out, ns = self.run_module(
            "import os, sys\n"
            "def f(): pass\n"
            "class C: pass\n"
            "m = os\n"
            "SNAP(True)\n"
            "SNAP()\n"
            "m = sys\n"
            "SNAP()\n"
            "def f(): return 1\n"
            "SNAP()\n"
            "f.__qualname__ = 'renamed'\n"
            "C.__module__ = 'elsewhere'\n"
            "SNAP()\n")
        full = out[0]
        self.assertEqual(full["f"][0], V.REPR)
        self.assertEqual(full["C"][2], "<class 't0241mod.C'>")
        self.assertEqual(out[1], {})
        self.assertEqual(out[2], {"m": (V.REPR, "module", repr(sys))})
        self.assertEqual(set(out[3]), {"f"})
        self.assertEqual(out[4]["f"][2], repr(ns["f"]))
        self.assertIn("renamed", out[4]["f"][2])
        self.assertEqual(out[4]["C"][2], "<class 'elsewhere.C'>")

    def test_module_comprehension(self):
        # 3.12 inlines module-level comprehensions (CPython #105256 area)
        out, ns = self.run_module(
            "y = [i * 2 for i in range(3)]\n"
            "SNAP(True)\n"
            "z = {k: k for k in y}\n"
            "SNAP()\n")
        self.assertEqual(out[0]["y"], enc(ns["y"]))
        self.assertEqual(set(out[1]), {"z"})

    def test_class_body(self):
        out = []

        class K:
            a = 1
            b = [a]
            s = Session(sys._getframe().f_code)
            out.append(s.snap(sys._getframe(), True))
            b.append(2)
            out.append(s.snap(sys._getframe()))
        self.assertEqual(out[0]["a"], (INT, 1))
        self.assertEqual(set(out[1]), {"b"})


if __name__ == "__main__":
    import taprunner
    taprunner.main()
