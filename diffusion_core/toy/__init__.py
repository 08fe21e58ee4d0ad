"""The 2D toy part: data sets, the MLP denoiser, training, the distance to the data,
and the model cache."""

from .cache import checkpoint_path, config_key, load_or_train
from .curves import CURVE_SAMPLERS, CURVE_STEPS, distance_by_steps
from .data import (
           CLASSES,
           DATASETS,
           DEFAULT_TEXT,
           MODES,
           DataConfig,
           dataset_names,
           mode_centres,
           sample_data,
           sample_labelled,
)
from .gan import (
           GAN_STEPS,
           GanConfig,
           GanRun,
           d_loss,
           g_loss,
           gan_noise,
           gan_path,
           gan_run,
           train_gan,
)
from .metrics import (
           MODE_RADIUS,
           MODE_SHARE,
           ClassReport,
           DistanceReport,
           ModeCoverage,
           class_report,
           distance_report,
           mode_coverage,
           sliced_wasserstein,
)
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
from .trilemma import TRILEMMA_MODELS, TrilemmaConfig, TrilemmaRow, measure_trilemma, speed_score
from .vae import (
           VAE,
           VAE_STEPS,
           VaeConfig,
           VaeRun,
           elbo,
           gaussian_log_prob,
           kl_to_standard_normal,
           train_vae,
           vae_path,
           vae_run,
)

__all__ = ["checkpoint_path", "config_key", "load_or_train", "DATASETS", "DEFAULT_TEXT", "DataConfig",
           "dataset_names", "sample_data", "DistanceReport", "distance_report", "sliced_wasserstein", "MLPConfig",
           "MLPDenoiser", "TrainConfig", "TrainResult", "evaluate_toy", "load_checkpoint", "save_checkpoint",
           "train_toy", "TRAINING_STEPS", "TrainingRun", "record_training_run", "training_run",
           "training_run_path", "MODES", "mode_centres", "GAN_STEPS", "GanConfig", "GanRun", "d_loss", "g_loss",
           "gan_path", "gan_noise", "gan_run", "train_gan", "MODE_RADIUS", "MODE_SHARE", "ModeCoverage", "mode_coverage",
           "CLASSES", "sample_labelled", "ClassReport", "class_report",
           "CURVE_STEPS", "CURVE_SAMPLERS", "distance_by_steps",
           "TRILEMMA_MODELS", "TrilemmaConfig", "TrilemmaRow", "measure_trilemma", "speed_score",
           "VAE", "VAE_STEPS", "VaeConfig", "VaeRun", "elbo", "gaussian_log_prob", "kl_to_standard_normal", "train_vae",
           "vae_path", "vae_run"]
