"""The 2D toy part: data sets, the MLP denoiser, training, the distance to the data,
and the model cache."""

from .cache import checkpoint_path, config_key, load_or_train
from .data import DATASETS, DEFAULT_TEXT, DataConfig, dataset_names, sample_data
from .metrics import DistanceReport, distance_report, sliced_wasserstein
from .model import MLPConfig, MLPDenoiser
from .snapshots import (
           TRAINING_STEPS,
           TrainingRun,
           record_training_run,
           training_run,
           training_run_path,
)
from .train import (
           TrainConfig,
           TrainResult,
           evaluate_toy,
           load_checkpoint,
           save_checkpoint,
           train_toy,
)

__all__ = ["checkpoint_path", "config_key", "load_or_train", "DATASETS", "DEFAULT_TEXT", "DataConfig",
           "dataset_names", "sample_data", "DistanceReport", "distance_report", "sliced_wasserstein", "MLPConfig",
           "MLPDenoiser", "TrainConfig", "TrainResult", "evaluate_toy", "load_checkpoint", "save_checkpoint",
           "train_toy", "TRAINING_STEPS", "TrainingRun", "record_training_run", "training_run",
           "training_run_path"]
