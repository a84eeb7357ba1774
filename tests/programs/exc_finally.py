"""finally clauses: on return, on exception, overriding return."""


def returns_in_try():
    try:
        return "try"
    finally:
        print("finally 1")


def finally_overrides():
    try:
        return "try"
    finally:
        return "finally"  # noqa: B012


def raises_through():
    state = "start"
    try:
        state = "raising"
        raise ValueError(state)
    finally:
        state = "cleaned"
        print("finally 2", state)


print(returns_in_try(), finally_overrides())
try:
    raises_through()
except ValueError as e:
    print("caught", e)
print("EXIT-SUCCESS")
