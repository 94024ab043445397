"""Walkthrough 09's solutions: what replaces each blank. Try first; read this after.

Each entry is named by the method the blank is in and holds the lines that replace its
`raise NotImplementedError  # your code here` (in exercise 8, one line per method, in
the cell's order). Indented as the blank is, they complete the cell.
"""

SOLUTIONS = {
    # 1. addition: each input gets out.grad times 1, added (a + a gets two shares)
    "__add__": """
self.grad += out.grad
other.grad += out.grad
""",
    # 2. multiplication: each input gets out.grad times the other's number
    "__mul__": """
self.grad += other.data * out.grad
other.grad += self.data * out.grad
""",
    # 3. the walk: each node after everything it was made from, each once
    "backward": """
if v not in visited:
    visited.add(v)
    for child in v._prev:
        build_topo(child)
    topo.append(v)
""",
    # 4. tanh: 1 - t², t being the result
    "tanh": """
self.grad += (1 - t**2) * out.grad
""",
    # 5. exp: the derivative is the result itself
    "exp": """
self.grad += out.data * out.grad
""",
    # 6. power with a number k: k · a^(k - 1)
    "__pow__": """
self.grad += other * self.data ** (other - 1) * out.grad
""",
    # 7. relu: 1 where the result is positive, else 0
    "relu": """
self.grad += (out.data > 0) * out.grad
""",
    # 8. the rest, from the ops above (no _backward of their own)
    "__neg__": "return self * -1",
    "__sub__": "return self + (-other)",
    "__truediv__": "return self * other**-1",
    "__radd__": "return self + other",
    "__rmul__": "return self * other",
    "__rsub__": "return other + (-self)",
    "__rtruediv__": "return other * self**-1",
}

BLANK = "raise NotImplementedError  # your code here"


def solved(source: str) -> str:
    """A cell's source with each blank replaced by its solution (the enclosing method's)."""
    lines, method = [], ""
    for line in source.splitlines():
        if line.startswith("def "):
            method = line[4:].split("(")[0]
        if line.strip() == BLANK:
            indent = line[: len(line) - len(line.lstrip())]
            lines += [indent + s for s in SOLUTIONS[method].strip("\n").splitlines()]
        else:
            lines.append(line)
    return "\n".join(lines)


if __name__ == "__main__":  # python notebooks/09_solutions.py: every solution
    for name, code in SOLUTIONS.items():
        print(f"# {name}\n{code.strip()}\n")
