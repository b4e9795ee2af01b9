"""One plotting style for the whole course, one module per concern.

Every function returns the matplotlib ``Figure`` (never calls ``plt.show()``), so the
notebooks show it and the tests can inspect it. Conventions: one colour per run,
training solid and validation dashed, best epoch marked; single-panel plots accept ``ax=``
to be composed into a larger figure. Notebooks use ``from utils import plots`` and
``plots.plot_…``; the modules are:

- :mod:`.style`: palette, Spanish metric names, the shared figure plumbing;
- :mod:`.training`: training curves, named curves, bar comparisons, score tables;
- :mod:`.evaluation`: confusion matrix, ROC and precision–recall curves, regression residuals, clusters;
- :mod:`.images`: image grids, filters, feature maps, heat-map overlays, top-k predictions;
- :mod:`.text`: attention weights, word-vector projections, token probabilities, similarities.
"""

from .evaluation import (plot_clusters, plot_confusion_matrix, plot_pr_curves, plot_residuals,
                         plot_roc_curves)
from .images import (plot_feature_maps, plot_filters, plot_heatmap_overlay, plot_image_grid,
                     plot_top_predictions)
from .style import BAD, GOOD, METRIC_NAMES, PALETTE, color, metric_label, use_course_style
from .text import (plot_attention, plot_attention_from, plot_embeddings_2d, plot_similarity_matrices,
                   plot_token_probabilities)
from .training import plot_curves, plot_histories, plot_history, plot_model_comparison, plot_score_heatmap

__all__ = [
    "BAD", "GOOD", "METRIC_NAMES", "PALETTE", "color", "metric_label", "use_course_style",
    "plot_history", "plot_histories", "plot_curves", "plot_model_comparison", "plot_score_heatmap",
    "plot_confusion_matrix", "plot_roc_curves", "plot_pr_curves", "plot_residuals", "plot_clusters",
    "plot_image_grid", "plot_filters", "plot_feature_maps", "plot_heatmap_overlay", "plot_top_predictions",
    "plot_attention", "plot_attention_from", "plot_embeddings_2d", "plot_token_probabilities", "plot_similarity_matrices",
]
