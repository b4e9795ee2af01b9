import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import learning, plots

W, B = np.meshgrid(np.linspace(-2, 2, 21), np.linspace(-1, 3, 11))
LOSS = (W - 1) ** 2 + (B - 1) ** 2 + 0.5  # a bowl with its minimum at (1, 1)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _descent(lr, steps=10):
    path = [np.array([-2.0, 3.0])]
    for _ in range(steps):
        path.append(path[-1] - lr * 2 * (path[-1] - 1))
    path = np.array(path)
    return path, (path[:, 0] - 1) ** 2 + (path[:, 1] - 1) ** 2 + 0.5


def test_descent_paths_one_colour_per_run_and_loss_per_step():
    (p1, l1), (p2, l2) = _descent(0.1), _descent(0.4)
    fig = learning.plot_descent_paths(W, B, LOSS, {"lenta": p1, "rápida": p2}, {"lenta": l1, "rápida": l2},
                                      minimum=(1, 1), title="Prueba")
    ax_paths, ax_loss = fig.axes[:2]
    star, slow, fast = ax_paths.lines
    assert tuple(star.get_xdata()) == (1,) and tuple(star.get_ydata()) == (1,)
    np.testing.assert_allclose(slow.get_xdata(), p1[:, 0])
    assert slow.get_color() == plots.color(0) and fast.get_color() == plots.color(1)
    assert [line.get_color() for line in ax_loss.lines] == [plots.color(0), plots.color(1)]
    np.testing.assert_allclose(ax_loss.lines[1].get_ydata(), l2)
    assert ax_loss.get_yscale() == "log" and ax_loss.get_xlabel() == "paso"
    assert ax_paths.get_xlabel() == "pendiente w" and fig._suptitle.get_text() == "Prueba"


def test_descent_paths_linear_scale_and_non_positive_losses():
    path, loss = _descent(0.2)
    fig = learning.plot_descent_paths(W, B, LOSS - 1, {"a": path}, {"a": loss - 1}, log_loss=False)
    assert fig.axes[1].get_yscale() == "linear"


def test_descent_paths_errors_in_spanish():
    path, loss = _descent(0.2)
    with pytest.raises(ValueError, match="misma forma"):
        learning.plot_descent_paths(W, B[:5], LOSS, {"a": path}, {"a": loss})
    with pytest.raises(ValueError, match="mismos nombres"):
        learning.plot_descent_paths(W, B, LOSS, {"a": path}, {"b": loss})
    with pytest.raises(ValueError, match="forma \\(pasos, 2\\)"):
        learning.plot_descent_paths(W, B, LOSS, {"a": path}, {"a": loss[:-1]})
