"""A small, real DDPM: schedules, forward process, training, sampling, metrics.

Scenes and the CLI use only the names in ``__all__``.
"""

from .cache import cache_dir, checkpoint_path, config_key, load_or_train, models_dir
from .io import atomic_write
from .metrics import DistanceReport, distance_report, sliced_wasserstein
from .model import MLPConfig, MLPDenoiser, SinusoidalEmbedding
from .sampling import DDPM_VARIANCES, Trajectory, ddim_sample, ddim_timesteps, ddpm_sample
from .schedule import SCHEDULE_KINDS, NoiseSchedule, ScheduleConfig
from .toy_data import DATASETS, DEFAULT_TEXT, DataConfig, dataset_names, sample_data
from .train import (
    CheckpointError,
    TrainConfig,
    TrainingDiverged,
    TrainResult,
    evaluate_toy,
    load_checkpoint,
    save_checkpoint,
    train_toy,
)

__all__ = [
    "atomic_write",
    "CheckpointError",
    "DATASETS",
    "DDPM_VARIANCES",
    "DEFAULT_TEXT",
    "DataConfig",
    "DistanceReport",
    "MLPConfig",
    "MLPDenoiser",
    "NoiseSchedule",
    "SCHEDULE_KINDS",
    "ScheduleConfig",
    "SinusoidalEmbedding",
    "TrainConfig",
    "TrainResult",
    "Trajectory",
    "TrainingDiverged",
    "cache_dir",
    "checkpoint_path",
    "config_key",
    "dataset_names",
    "ddim_sample",
    "ddim_timesteps",
    "ddpm_sample",
    "distance_report",
    "evaluate_toy",
    "load_checkpoint",
    "load_or_train",
    "models_dir",
    "sample_data",
    "save_checkpoint",
    "sliced_wasserstein",
    "train_toy",
]
