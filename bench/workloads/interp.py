"""A small interpreter: a tokenizer, a recursive-descent parser to an AST
of tuples, and a tree-walking evaluator running a loop-heavy program in a
tiny language (assignments, while, if, arithmetic)."""
import re
from _scale import scaled

SOURCE = """
n = N; a = 0; b = 1; i = 0; s = 0;
while (i < n) {
  t = a + b; a = b; b = t % 1000007;
  if (i % 3 == 0) { s = s + a; } else { s = s - 1; }
  i = i + 1;
}
"""

TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_]\w*)|(==|<|[-+*/%=;(){}]))")


def tokenize(src):
    pos, out = 0, []
    src = src.strip()
    while pos < len(src):
        m = TOKEN.match(src, pos)
        num, name, op = m.groups()
        out.append(("num", int(num)) if num else ("name", name) if name else ("op", op))
        pos = m.end()
        while pos < len(src) and src[pos].isspace():
            pos += 1
    return out


class Parser:
    def __init__(self, toks):
        self.toks = toks
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ("eof", None)

    def take(self, val=None):
        tok = self.toks[self.i]
        if val is not None and tok[1] != val:
            raise SyntaxError("expected %s got %s" % (val, tok[1]))
        self.i += 1
        return tok

    def block(self):
        stmts = []
        while self.peek()[1] not in ("}", None):
            stmts.append(self.stmt())
        return ("block", stmts)

    def stmt(self):
        kind, val = self.peek()
        if val == "while" or val == "if":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            self.take("{")
            body = self.block()
            self.take("}")
            if val == "while":
                return ("while", cond, body)
            other = ("block", [])
            if self.peek()[1] == "else":
                self.take()
                self.take("{")
                other = self.block()
                self.take("}")
            return ("if", cond, body, other)
        name = self.take()[1]
        self.take("=")
        e = self.expr()
        self.take(";")
        return ("set", name, e)

    def expr(self):
        left = self.arith()
        while self.peek()[1] in ("<", "=="):
            op = self.take()[1]
            left = (op, left, self.arith())
        return left

    def arith(self):
        left = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            left = (op, left, self.term())
        return left

    def term(self):
        left = self.atom()
        while self.peek()[1] in ("*", "/", "%"):
            op = self.take()[1]
            left = (op, left, self.atom())
        return left

    def atom(self):
        kind, val = self.take()
        if kind == "num":
            return ("num", val)
        if kind == "name":
            return ("var", val)
        e = self.expr()
        self.take(")")
        return e


OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
       "/": lambda a, b: a // b, "%": lambda a, b: a % b,
       "<": lambda a, b: int(a < b), "==": lambda a, b: int(a == b)}


def ev(node, env):
    tag = node[0]
    if tag == "num":
        return node[1]
    if tag == "var":
        return env[node[1]]
    return OPS[tag](ev(node[1], env), ev(node[2], env))


def run(node, env):
    tag = node[0]
    if tag == "block":
        for s in node[1]:
            run(s, env)
    elif tag == "set":
        env[node[1]] = ev(node[2], env)
    elif tag == "while":
        while ev(node[1], env):
            run(node[2], env)
    elif tag == "if":
        run(node[2] if ev(node[1], env) else node[3], env)


prog = Parser(tokenize(SOURCE.replace("N", str(scaled(110000))))).block()
env = {}
run(prog, env)
print(env["s"], env["b"])
