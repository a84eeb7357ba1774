# tracerec-test: special (a module of replay_arith.py and replay_equal.py, not a program)
"""What Python itself says of expressions over a program's values, in the
words pdb's `p` prints: the value's repr, or `*** Type: message`."""
import warnings


def facts(expressions, env):
    """{"p EXPR": the line pdb would print} for each expression over env."""
    out = {}
    for e in expressions:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                line = repr(eval(e, {}, env))
        except Exception as ex:
            line = "*** %s: %s" % (type(ex).__name__, ex)
        out["p " + e] = line
    return out
