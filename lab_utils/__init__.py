"""lab_utils: the helpers that keep the MNIST CNN lab's notebooks short.

The notebooks teach; this package remembers what they would otherwise repeat. It exports only what a notebook
calls; the scripts import the rest from its modules, and the measurement machinery lives in ``bench``.
"""
from .environment import import_tensorflow_quietly as _import_tensorflow_quietly

_import_tensorflow_quietly()  # before anything imports keras, so its C++ start-up logs stay out of notebooks

from .artifacts import load_prepared_networks, trained_seed_cnn  # noqa: E402
from .data import load_mnist, one_hot, prepare_images  # noqa: E402
from .digits import centre_of_mass, preprocess_digit, preprocess_digit_steps  # noqa: E402
from .experiments import plot_schedule, plot_sweep  # noqa: E402
from .inspect import (dense_activations, feature_maps, pca_2d, plot_conv_filters, plot_embedding,  # noqa: E402
                      plot_feature_maps, plot_saliency, saliency_map)
from .models import build_dense_baseline, build_seed_cnn, seed_cnn_shapes  # noqa: E402
from .own_digit import (drawing_canvas, plot_preprocessing_steps, plot_probabilities,  # noqa: E402
                        plot_sample_predictions)
from .plots import (confusion_matrix, misclassified_indices, plot_class_balance, plot_confusion_matrix,  # noqa: E402
                    plot_digit_grid, plot_learning_curves, plot_mean_digits, plot_misclassified, plot_pixel_histogram)
from .profiles import set_seed  # noqa: E402
from .session import setup  # noqa: E402
from .training import predict_classes  # noqa: E402

__version__ = "0.1.0"

__all__ = [  # by notebook: set-up and data; 01-02 the published networks; 00-02 plots; 03 inside; 04-05; 06
    "setup", "set_seed", "load_mnist", "prepare_images", "one_hot", "build_dense_baseline", "build_seed_cnn",
    "seed_cnn_shapes", "predict_classes", "trained_seed_cnn", "load_prepared_networks", "plot_digit_grid",
    "plot_mean_digits", "plot_pixel_histogram", "plot_class_balance", "plot_learning_curves", "confusion_matrix",
    "plot_confusion_matrix", "misclassified_indices", "plot_misclassified", "plot_conv_filters", "feature_maps",
    "plot_feature_maps", "saliency_map", "plot_saliency", "dense_activations", "pca_2d", "plot_embedding",
    "plot_sweep", "plot_schedule", "preprocess_digit", "preprocess_digit_steps", "centre_of_mass",
    "plot_preprocessing_steps", "plot_probabilities", "plot_sample_predictions", "drawing_canvas",
]
