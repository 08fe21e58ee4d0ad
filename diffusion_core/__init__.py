"""A small, real DDPM: schedules, forward process, training, sampling, metrics.

Layers (see docs/ARCHITECTURE.md): the shared machinery here (schedule, sampler,
training loop, checkpoint format, paths, caches, atomic IO), the toy part in
``diffusion_core.toy`` and the MNIST part in ``diffusion_core.mnist``. Scenes and the
CLI use only the names in ``__all__``.
"""

from .checkpoint import CheckpointError
from .fast_fit import FastOptions
from .flow import OBJECTIVES, LinearFlow
from .io import atomic_write
from .mnist import (
    CONFIDENT,
    FRAMES_FILE,
    CompareRow,
    DigitFrames,
    Evaluator,
    MnistError,
    MnistTrainConfig,
    PeakMemory,
    SmallUNet,
    TrainingSnapshots,
    UNetConfig,
    classify,
    compare_samplers,
    comparison_table,
    evaluate_images,
    fetch_mnist,
    load_classifier,
    load_mnist,
    load_mnist_checkpoint,
    make_probe,
    measured_on,
    read_digit_frames,
    record_digit_frames,
    sample_images,
    save_classifier,
    save_mnist_checkpoint,
    train_classifier,
    train_mnist,
)
from .nets import SinusoidalEmbedding
from .paths import (
    REPO,
    PathError,
    cache_dir,
    classifier_path,
    ensure_writable,
    mnist_checkpoint_path,
    mnist_models_dir,
    models_dir,
    renders_dir,
    sample_digits_path,
    snapshots_path,
)
from .samplers import (
    DDIM,
    DDPM,
    DDPM_VARIANCES,
    MAX_GUIDANCE,
    SAMPLERS,
    FlowEuler,
    Guidance,
    Sampler,
    StepOutput,
    check_model,
    ddim_timesteps,
    make_sampler,
)
from .sampling import (
    NonFiniteSamples,
    Trajectory,
    cpu_seconds,
    ddim_sample,
    ddpm_sample,
    sample,
    step_seconds,
)
from .schedule import SCHEDULE_KINDS, NoiseSchedule, ScheduleConfig
from .toy import (
    CLASSES,
    CURVE_SAMPLERS,
    CURVE_STEPS,
    DATASETS,
    DEFAULT_TEXT,
    GAN_STEPS,
    MODE_RADIUS,
    MODE_SHARE,
    MODES,
    TRAINING_STEPS,
    ClassReport,
    DataConfig,
    DistanceReport,
    GanConfig,
    GanRun,
    MLPConfig,
    MLPDenoiser,
    ModeCoverage,
    TrainConfig,
    TrainingRun,
    TrainResult,
    checkpoint_path,
    class_report,
    config_key,
    d_loss,
    dataset_names,
    distance_by_steps,
    distance_report,
    evaluate_toy,
    g_loss,
    gan_path,
    gan_run,
    load_checkpoint,
    load_or_train,
    mode_centres,
    mode_coverage,
    record_training_run,
    sample_data,
    sample_labelled,
    save_checkpoint,
    sliced_wasserstein,
    train_gan,
    train_toy,
    training_run,
    training_run_path,
)
from .training import TrainingDiverged
from .trajectory_cache import cached_trajectory, trajectory_path

__all__ = [
    # shared machinery
    "CheckpointError", "REPO", "PathError", "ensure_writable", "FastOptions", "atomic_write", "SinusoidalEmbedding", "cache_dir", "models_dir",
    "renders_dir", "DDPM_VARIANCES", "SAMPLERS", "Sampler", "DDPM", "DDIM", "FlowEuler", "StepOutput", "Guidance",
    "make_sampler", "check_model", "MAX_GUIDANCE", "NonFiniteSamples", "Trajectory", "ddim_sample", "ddim_timesteps",
    "ddpm_sample", "sample", "step_seconds", "cpu_seconds", "SCHEDULE_KINDS", "NoiseSchedule", "ScheduleConfig", "TrainingDiverged",
    "cached_trajectory", "trajectory_path", "LinearFlow", "OBJECTIVES",
    # toy
    "GAN_STEPS", "GanConfig", "GanRun", "MODES", "MODE_RADIUS", "MODE_SHARE", "ModeCoverage", "d_loss", "g_loss",
    "gan_path", "gan_run", "mode_centres", "mode_coverage", "train_gan", "CLASSES", "sample_labelled", "ClassReport", "class_report",
    "CURVE_STEPS", "CURVE_SAMPLERS", "distance_by_steps",
    "DATASETS", "DEFAULT_TEXT", "DataConfig", "DistanceReport", "MLPConfig", "MLPDenoiser", "TrainConfig",
    "TrainResult", "checkpoint_path", "config_key", "dataset_names", "distance_report", "evaluate_toy",
    "load_checkpoint", "load_or_train", "sample_data", "save_checkpoint", "sliced_wasserstein", "train_toy",
    "TRAINING_STEPS", "TrainingRun", "record_training_run", "training_run", "training_run_path",
    # mnist
    "CONFIDENT", "CompareRow", "Evaluator", "MnistError", "MnistTrainConfig", "PeakMemory", "SmallUNet", "TrainingSnapshots",
    "UNetConfig", "compare_samplers", "classify", "comparison_table", "measured_on", "FRAMES_FILE", "DigitFrames", "read_digit_frames", "record_digit_frames", "evaluate_images", "fetch_mnist", "load_classifier",
    "load_mnist", "load_mnist_checkpoint", "make_probe", "sample_images", "save_classifier",
    "save_mnist_checkpoint", "train_classifier", "train_mnist", "classifier_path", "mnist_checkpoint_path",
    "mnist_models_dir", "sample_digits_path", "snapshots_path",
]
