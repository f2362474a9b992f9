"""lab_utils: the helpers that keep the MNIST CNN lab's notebooks short.

The notebooks teach; this package remembers what they would otherwise repeat.
"""
from .environment import import_tensorflow_quietly as _import_tensorflow_quietly

_import_tensorflow_quietly()  # before anything imports keras, so its C++ start-up logs stay out of notebooks

from .artifacts import (  # noqa: E402
    ModelFileError,
    artifacts_dir,
    load_model_file,
    load_prepared_networks,
    read_model_info,
    save_model_atomic,
    trained_seed_cnn,
)
from .data import MnistFileError, load_mnist, one_hot, prepare_images  # noqa: E402
from .digits import centre_of_mass, preprocess_digit, preprocess_digit_steps  # noqa: E402
from .environment import check_versions, in_colab, machine_info  # noqa: E402
from .io import write_atomic  # noqa: E402
from .models import build_dense_baseline, build_seed_cnn, seed_cnn_shapes  # noqa: E402
from .plots import (  # noqa: E402
    confusion_matrix,
    misclassified_indices,
    plot_class_balance,
    plot_confusion_matrix,
    plot_digit_grid,
    plot_learning_curves,
    plot_mean_digits,
    plot_misclassified,
    plot_pixel_histogram,
)
from .precision import choose_precision, cpu_name, detect_capabilities, use_best_precision  # noqa: E402
from .profiles import Profile, get_profile, set_seed, setup  # noqa: E402
from .results import append_run, read_runs, summarize_runs  # noqa: E402
from .training import (  # noqa: E402
    DENSE_BASELINE_RECIPE,
    FAST_RECIPE,
    SEED_CNN_RECIPE,
    EpochTimer,
    FastRecipe,
    Recipe,
    input_pipeline,
    one_cycle_schedule,
    predict_classes,
    train_and_evaluate,
    train_fast,
)

__version__ = "0.1.0"

# --- your own digit (issue 8) ---
from .own_digit import (  # noqa: E402
    drawing_canvas,
    plot_preprocessing_steps,
    plot_probabilities,
    plot_sample_predictions,
)

# --- inspect (issue 8) ---
from .inspect import (  # noqa: E402
    dense_activations,
    feature_maps,
    pca_2d,
    plot_conv_filters,
    plot_embedding,
    plot_feature_maps,
    plot_saliency,
    saliency_map,
)

# --- sweeps (issue 6) ---
from .sweeps import (  # noqa: E402
    SWEEP_DEFAULTS,
    SWEEP_SET_BASE,
    compare_runs,
    describe_sweep,
    estimate_seconds,
    grid,
    load_sweep_results,
    plot_sweep,
    plot_sweep_set,
    read_sweep,
    run_sweep,
    summarize_configs,
    summarize_sweep,
    sweep_plan,
    sweep_sets,
    validate_configs,
)

# --- beyond 99.41% (issue 7) ---
from .ensemble import (  # noqa: E402
    TTA_SHIFTS,
    ensemble_accuracy,
    ensemble_predict,
    shift_images,
    train_or_load_members,
    tta_accuracy,
    tta_predict,
)
from .improved import (  # noqa: E402
    LADDER,
    ImprovedRecipe,
    augmentation_block,
    build_improved_cnn,
    count_multiply_adds,
    ladder_steps,
    plot_ladder,
    summarize_ladder,
    train_model,
)

# --- the ablation ladder's split, configs and members (issue 7) ---
from .ladder import (  # noqa: E402
    ladder_final_network,
    ladder_members,
    ladder_step_versions,
    ladder_table,
    load_ladder_data,
    newest_ladder_runs,
    plot_schedule,
    train_ladder_model,
)
from .ladder import split_sizes as ladder_split_sizes  # noqa: E402
