import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils import plots

HISTORY = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.7, 0.8],
           "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.45, 0.72, 0.7]}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_history_one_panel_per_metric_train_solid_val_dashed():
    fig = plots.plot_history(HISTORY)
    assert len(fig.axes) == 2
    ax_loss = fig.axes[0]
    styles = [line.get_linestyle() for line in ax_loss.lines]
    assert styles[:2] == ["-", "--"]
    # Best epoch marker on the validation loss: epoch 2, value 0.7.
    marker = ax_loss.lines[2]
    assert marker.get_xdata()[0] == 2 and marker.get_ydata()[0] == pytest.approx(0.7)
    assert ax_loss.get_title() == "pérdida"
    # Best accuracy is the maximum.
    assert fig.axes[1].lines[2].get_ydata()[0] == pytest.approx(0.72)


def test_labels_shown_to_students_are_spanish():
    for name, label in [("accuracy", "exactitud"), ("loss", "pérdida"), ("perplexity", "perplejidad"),
                        ("val_accuracy", "exactitud (validación)"), ("learning_rate", "tasa de aprendizaje")]:
        assert plots.metric_label(name) == label
    fig = plots.plot_history(HISTORY)
    shown = [fig.axes[0].get_xlabel()] + [ax.get_title() for ax in fig.axes]
    shown += [t.get_text() for ax in fig.axes for t in ax.get_legend().get_texts()]
    fig = plots.plot_histories({"cnn": HISTORY}, metric="loss")
    ax = fig.axes[0]
    shown += [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()] + [t.get_text() for t in ax.get_legend().get_texts()]
    fig = plots.plot_model_comparison({"densa": {"accuracy": 0.8, "loss": 0.5}})
    shown += [ax.get_title() for ax in fig.axes]
    english = {"accuracy", "loss", "epoch", "epochs", "perplexity", "train", "training", "validation"}
    for text in shown:
        assert not english & set(text.lower().replace("(", " ").replace(")", " ").replace(".", " ").split()), text
    assert "época" in shown and "exactitud" in shown and "pérdida" in shown


def test_history_errors():
    with pytest.raises(ValueError, match="History"):
        plots.plot_history({})
    with pytest.raises(ValueError, match="no encontradas"):
        plots.plot_history(HISTORY, metrics=["auc"])


def test_histories_one_colour_per_run():
    fig = plots.plot_histories({"a": HISTORY, "b": HISTORY})
    colours = [line.get_color() for line in fig.axes[0].lines]
    assert colours == [plots.color(0)] * 2 + [plots.color(1)] * 2


def test_confusion_matrix_values_and_errors():
    fig = plots.plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], ["gato", "perro"])
    image = fig.axes[0].images[0].get_array()
    np.testing.assert_allclose(image, [[0.5, 0.5], [0, 1]])
    assert "75" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="misma longitud"):
        plots.plot_confusion_matrix([0, 1], [0])


def test_image_grid_colours_correct_and_wrong():
    images = np.random.rand(4, 8, 8, 3)
    fig = plots.plot_image_grid(images, [0, 1, 0, 1], [0, 1, 1, 1], ["gato", "perro"], ncols=4)
    titles = [ax.title for ax in fig.axes]
    assert titles[0].get_color() == plots.GOOD and titles[2].get_color() == plots.BAD
    with pytest.raises(ValueError, match="forma"):
        plots.plot_image_grid(np.zeros((3, 3)))


def test_model_comparison_one_panel_per_metric():
    fig = plots.plot_model_comparison({"densa": {"exactitud": 0.8, "parámetros": 1e5},
                                       "cnn": {"exactitud": 0.9, "parámetros": 5e4}})
    assert len(fig.axes) == 2 and len(fig.axes[0].patches) == 2
    with pytest.raises(ValueError, match="no encontradas"):
        plots.plot_model_comparison({"a": {"x": 1}}, metrics=["y"])


def test_curves_filters_maps_attention_embeddings():
    fig = plots.plot_curves([1, 2, 3], {"a": [1, 2, 3], "b": [3, 2, 1]}, "x", "y")
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(ValueError, match="valores"):
        plots.plot_curves([1, 2], {"a": [1]})
    fig = plots.plot_curves([1, 2, 3], {"a": [1, 2, 3], "b": [3, 2, 1]}, bands={"a": [0.1, 0.2, 0.1]})
    assert len(fig.axes[0].collections) == 1  # one shaded band, only for «a»
    with pytest.raises(ValueError, match="no existen"):
        plots.plot_curves([1, 2], {"a": [1, 2]}, bands={"z": [0, 0]})
    assert len(plots.plot_filters(np.random.rand(3, 3, 3, 8)).axes) == 8
    with pytest.raises(ValueError, match="convolución"):
        plots.plot_filters(np.zeros((3, 3)))
    assert len(plots.plot_feature_maps(np.random.rand(1, 5, 5, 4)).axes) == 4
    fig = plots.plot_attention(np.full((2, 3), 1 / 3), ["a", "b"], ["x", "y", "z"])
    assert fig.axes[0].images[0].get_array().shape == (2, 3)
    with pytest.raises(ValueError, match="tokens"):
        plots.plot_attention(np.ones((2, 2)), ["a"])
    fig = plots.plot_embeddings_2d(np.random.rand(6, 5), list("abcdef"), ["x"] * 3 + ["y"] * 3)
    assert len(fig.axes[0].collections) == 2
    with pytest.raises(ValueError, match="Método"):
        plots.plot_embeddings_2d(np.random.rand(6, 5), list("abcdef"), method="umap")


def test_heatmap_overlay_resizes():
    fig = plots.plot_heatmap_overlay(np.random.rand(32, 32, 3), np.random.rand(4, 4))
    assert fig.axes[0].images[1].get_array().shape == (32, 32)


def test_confusion_matrix_refuses_probabilities_instead_of_truncating_them():
    with pytest.raises(ValueError, match="probabilidades"):
        plots.plot_confusion_matrix([1, 0, 1, 0], [0.9, 0.2, 0.7, 0.1])
    fig = plots.plot_confusion_matrix([1, 0, 1, 0], np.array([0.9, 0.2, 0.7, 0.1]) > 0.5)
    assert "100.0%" in fig.axes[0].get_title()


def test_image_grid_names_one_hot_labels_by_their_class():
    images = np.zeros((2, 4, 4))
    fig = plots.plot_image_grid(images, labels=np.eye(3)[[2, 1]], class_names=["a", "b", "c"])
    assert [ax.get_title() for ax in fig.axes[:2]] == ["c", "b"]


def test_every_single_panel_plot_draws_into_the_axes_it_is_given():
    import pandas as pd

    rng = np.random.default_rng(0)
    y = np.array([0, 1, 0, 1, 1, 0])
    calls = {
        "plot_histories": lambda ax: plots.plot_histories({"a": HISTORY}, ax=ax),
        "plot_curves": lambda ax: plots.plot_curves([1, 2], {"a": [0.1, 0.2]}, ax=ax),
        "plot_score_heatmap": lambda ax: plots.plot_score_heatmap(pd.DataFrame({"m": [1.0, 2.0]}), ax=ax),
        "plot_confusion_matrix": lambda ax: plots.plot_confusion_matrix(y, y[::-1], ax=ax),
        "plot_roc_curves": lambda ax: plots.plot_roc_curves(y, {"m": rng.random(6)}, ax=ax),
        "plot_clusters": lambda ax: plots.plot_clusters(rng.random((6, 2)), y, ax=ax),
        "plot_heatmap_overlay": lambda ax: plots.plot_heatmap_overlay(rng.random((8, 8, 3)), rng.random((2, 2)), ax=ax),
        "plot_attention": lambda ax: plots.plot_attention(np.full((2, 2), 0.5), ["a", "b"], ax=ax),
        "plot_embeddings_2d": lambda ax: plots.plot_embeddings_2d(rng.random((4, 3)), list("abcd"), ax=ax),
        "plot_token_probabilities": lambda ax: plots.plot_token_probabilities(["a", "b"], {"p": [0.3, 0.7]}, ax=ax),
    }
    for name, call in calls.items():
        fig, (left, right) = plt.subplots(1, 2)
        assert call(right) is fig, name
        assert right.has_data() and not left.has_data(), name
        plt.close(fig)


def test_panel_grids_leave_no_stray_axes_visible():
    fig = plots.plot_filters(np.random.default_rng(0).random((3, 3, 3, 5)), ncols=4)
    visible = [ax for ax in fig.axes if ax.axison or ax.images]
    assert len(fig.axes) == 8 and len(visible) == 5


def test_roc_legend_gives_the_exact_auc_and_the_curve_its_points():
    y = np.array([0, 0, 1, 1])
    fig = plots.plot_roc_curves(y, {"m": [0.1, 0.4, 0.35, 0.8]})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["m (AUC 0.750)", "azar (AUC 0.5)"]
    fpr, tpr = ax.lines[0].get_data()
    assert list(zip(fpr, tpr)) == [(0, 0), (0, 0.5), (0.5, 0.5), (0.5, 1), (1, 1)]


# ------------------------------------------------- evaluation plots of notebook 01


def test_plot_roc_curves_validates_in_spanish():
    y = np.random.default_rng(0).integers(0, 2, 200)
    with pytest.raises(ValueError, match="binarias"):
        plots.plot_roc_curves(np.ones(10), {"m": np.ones(10)})
    with pytest.raises(ValueError, match="puntuaciones"):
        plots.plot_roc_curves(y, {"m": np.ones(5)})


def test_plot_residuals():
    y = np.arange(50.0)
    fig = plots.plot_residuals(y, {"a": y + 1, "b": y * 0.9})
    assert len(fig.axes) == 2
    residuals = fig.axes[1].collections[0].get_offsets()[:, 1]
    assert np.allclose(residuals, -1)
    plt.close(fig)
    with pytest.raises(ValueError, match="predicciones"):
        plots.plot_residuals(y, {"a": y[:3]})


def test_plot_clusters_projects_high_dimensional_points():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 1, (20, 5)), rng.normal(5, 1, (20, 5))])
    labels = np.repeat([0, 1], 20)
    fig = plots.plot_clusters(points, labels, centers=np.array([points[:20].mean(0), points[20:].mean(0)]))
    assert len(fig.axes[0].collections) == 3  # two groups + centres
    plt.close(fig)
    with pytest.raises(ValueError, match="etiquetas"):
        plots.plot_clusters(points, labels[:5])


def test_plot_pr_curves_ap_in_legend_and_chance_at_the_share_of_positives():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.3).astype(int)
    good = y + rng.normal(0, 0.5, 400)
    fig = plots.plot_pr_curves(y, {"bueno": good, "constante": np.full(400, 0.3)}, title="PR")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"bueno (AP {average_precision_score(y, good):.3f})"
    assert labels[1] == f"constante (AP {y.mean():.3f})"  # a constant score has AP = share of positives
    assert labels[2].startswith("azar") and np.allclose(ax.lines[2].get_ydata(), y.mean())
    assert [line.get_color() for line in ax.lines[:2]] == [plots.color(0), plots.color(1)]
    assert ax.get_xlabel().startswith("exhaustividad") and ax.get_ylabel() == "precisión"
    assert ax.get_title() == "PR"
    plt.close(fig)
    _, ax2 = plt.subplots()
    assert plots.plot_pr_curves(y, {"bueno": good}, ax=ax2) is ax2.figure
    plt.close("all")


def test_plot_pr_curves_validates_in_spanish():
    y = np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match="binarias"):
        plots.plot_pr_curves(np.ones(4), {"m": np.ones(4)})
    with pytest.raises(ValueError, match="puntuaciones"):
        plots.plot_pr_curves(y, {"m": np.ones(3)})
    with pytest.raises(ValueError, match="al menos un modelo"):
        plots.plot_pr_curves(y, {})
