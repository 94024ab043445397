"""`make demo`: fit a line to temperatures with micrograd_lite, printing progress.

The data and the loop are those of a PyTorch tutorial (shared seed 001): Celsius `t_c`
against readings `t_u` of an unknown scale, a model `w * t_u + b`, mean squared error,
100 epochs of gradient descent at learning rate 0.01 from `w = 1, b = 1`. There the
gradient is derived by hand; here `loss.backward()` computes it.
"""

from pathlib import Path

from micrograd_lite import Value, mean, no_grad

T_C = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
T_U = [0.4, 1.2, 2.5, 3.9, 4.3, 5.7, 6.2, 7.9, 8.3, 9.5, 10.5, 11.5]


def fit_line(
    epochs: int = 100, learning_rate: float = 1e-2, log_every: int = 10
) -> tuple[float, float]:
    """Train `w * t_u + b` on the data above and return the final `(w, b)`."""
    w = Value(1.0, label="w")
    b = Value(1.0, label="b")
    for epoch in range(epochs):
        loss = mean([(w * u + b - c) ** 2 for u, c in zip(T_U, T_C)])
        w.zero_grad()
        b.zero_grad()
        loss.backward()
        if log_every and (epoch % log_every == 0 or epoch == epochs - 1):
            print(f"epoch {epoch:3d}  loss {loss.data:.6f}  dw {w.grad:+.4f}  db {b.grad:+.4f}")
        with no_grad():
            w -= learning_rate * w.grad
            b -= learning_rate * b.grad
    return w.data, b.data


def tanh_neuron() -> Value:
    """One labelled neuron, `o = tanh(x1 w1 + x2 w2 + b)`, after `o.backward()`."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")  # chosen so that n = 0.8814 and o = 1/sqrt(2)
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def draw_neuron(path: str = "out/neuron.svg") -> Path | None:
    """Render the neuron's graph after backward; None if Graphviz is missing."""
    try:
        from micrograd_lite.viz import GraphvizNotFoundError, render

        return render(tanh_neuron(), path)
    except (ImportError, GraphvizNotFoundError) as error:
        print(f"(graph not drawn: {str(error).splitlines()[0]})")
        return None


def main() -> None:
    print("Fitting t_c = w * t_u + b by gradient descent (100 epochs, lr 0.01)")
    w, b = fit_line()
    print(f"result: w = {w:.4f}, b = {b:.4f}  (the tutorial ends at w = 0.8820, b = 0.4269)")
    print(f"prediction for t_u = 20: {w * 20 + b:.2f} C")
    path = draw_neuron()
    if path is not None:
        print(f"the graph of a tanh neuron after backward: {path.resolve()}")


if __name__ == "__main__":
    main()
