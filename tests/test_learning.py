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


def test_descent_paths_evaluate_a_loss_function_on_each_path():
    path, loss = _descent(0.3)
    fig = learning.plot_descent_paths(W, B, LOSS, {"a": path}, lambda w, b: (w - 1) ** 2 + (b - 1) ** 2 + 0.5)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), loss)


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


# ------------------------------------------------------------------- data preparation


def test_load_bmi_progression_is_the_real_diabetes_data_rescaled():
    from sklearn.datasets import load_diabetes

    x, y = learning.load_bmi_progression()
    raw = load_diabetes(as_frame=True, scaled=False).frame
    assert x.shape == y.shape == (442,)
    np.testing.assert_allclose(x * 10 + 20, raw["bmi"])
    np.testing.assert_allclose(y * 100, raw["target"])


# ------------------------------------------------------------------------ descriptors


def test_hand_made_features_see_edge_orientation_and_brightness():
    images = np.zeros((2, 28, 28), dtype="uint8")
    images[0, :, 14:] = 255  # a vertical edge: horizontal gradient, orientation 0°
    images[1, 14:, :] = 255  # a horizontal edge: vertical gradient, orientation 90°
    f = learning.hand_made_features(images).reshape(2, 7, 7, 10)
    assert f.dtype == np.float32
    assert f[0, 3, 3, 0] > 0.9 and f[0, 3, 3, 4] < 1e-6  # the cell on the vertical edge: bin 0 only
    assert f[1, 3, 3, 4] > 0.9 and f[1, 3, 3, 0] < 1e-6  # on the horizontal edge: the 90° bin
    assert np.allclose(f[0, :, 4:, 9], 1) and np.allclose(f[0, :, :3, 9], 0)  # mean brightness per cell
    assert np.allclose(f[0, :, 5:, :9], 0)  # flat regions: no edges
    with pytest.raises(ValueError, match="casillas"):
        learning.hand_made_features(np.zeros((1, 30, 30)))


# -------------------------------------------------------------------------- plotting


def test_plot_cross_entropy_colours_hits_and_errors():
    p = np.array([0.9, 0.8, 0.1, 0.05])
    fig = learning.plot_cross_entropy(p, np.array([True, True, False, False]))
    curve, hits, errors = fig.axes[0].lines
    np.testing.assert_allclose(hits.get_ydata(), -np.log([0.9, 0.8]))
    assert hits.get_color() == plots.GOOD and errors.get_color() == plots.BAD
    assert fig.axes[0].get_xlabel() == "probabilidad de la clase verdadera"
    with pytest.raises(ValueError, match="misma longitud"):
        learning.plot_cross_entropy(p, np.array([True]))


def test_plot_approximations_undoes_the_standardisation():
    x, y = np.arange(10.0), np.arange(10.0) ** 2
    grid = (np.linspace(0, 9, 5) - x.mean()) / x.std(ddof=1)
    fit = (np.linspace(0, 9, 5) ** 2 - y.mean()) / y.std(ddof=1)
    fig = learning.plot_approximations(x, y, grid, {0: fit, 4: fit}, {0: 3.0, 4: 1.0})
    ax_fit, ax_err = fig.axes
    data, line0, line4 = ax_fit.lines
    np.testing.assert_allclose(line0.get_xdata(), np.linspace(0, 9, 5))
    np.testing.assert_allclose(line4.get_ydata(), np.linspace(0, 9, 5) ** 2)
    assert [t.get_text() for t in ax_fit.get_legend().get_texts()] == ["mediciones", "recta (0 neuronas)", "4 neuronas"]
    assert ax_err.get_xscale() == "symlog" and list(ax_err.lines[0].get_ydata()) == [3.0, 1.0]
    with pytest.raises(ValueError, match="mismas anchuras"):
        learning.plot_approximations(x, y, grid, {0: fit}, {1: 1.0})
    with pytest.raises(ValueError, match="valores"):
        learning.plot_approximations(x, y, grid, {0: fit[:2]}, {0: 1.0})


# ------------------------------------------------------------------------- one step


def test_optimizer_step_measures_the_step_of_each_variable():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    grads = [np.full((3, 2), 10.0, "float32"), np.array([0.0, 3.0], "float32")]
    norms, cosines = learning.optimizer_step(keras.optimizers.SGD(0.1), model, grads)
    np.testing.assert_allclose(norms, [0.1 * np.sqrt(6 * 100), 0.3], rtol=1e-5)
    np.testing.assert_allclose(cosines, 1, atol=1e-6)
    norms, _ = learning.optimizer_step(keras.optimizers.SGD(0.1, clipnorm=1.0), model, grads)
    np.testing.assert_allclose(norms, [0.1, 0.1], rtol=1e-4)  # each variable's gradient clipped to norm 1
