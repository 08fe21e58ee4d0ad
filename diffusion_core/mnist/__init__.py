"""The MNIST part: the data and its fetch, the UNet, training (with snapshots), and
evaluation (the classifier, FID, the probe used during training, the comparison rows)."""

from .data import MNIST_FILES, MnistError, fetch_mnist, load_mnist, mnist_dir, read_idx, write_idx
from .eval import (
    CONFIDENT,
    CompareRow,
    Evaluator,
    MnistClassifier,
    PeakMemory,
    SampleReport,
    classify,
    compare_samplers,
    comparison_table,
    evaluate_images,
    frechet_distance,
    kernel_distance,
    load_classifier,
    make_probe,
    measured_on,
    sample_images,
    save_classifier,
    train_classifier,
)
from .frames import FRAMES_FILE, DigitFrames, read_digit_frames, record_digit_frames
from .snapshots import SnapshotRecorder, TrainingSnapshots, parse_steps
from .table import TableError, read_record, row_name, table_markdown, table_note, write_record
from .train import (
    MnistResult,
    MnistTrainConfig,
    load_mnist_checkpoint,
    save_mnist_checkpoint,
    train_mnist,
)
from .unet import SmallUNet, UNetConfig

__all__ = ["MNIST_FILES", "MnistError", "fetch_mnist", "load_mnist", "mnist_dir", "read_idx", "write_idx",
           "CONFIDENT", "CompareRow", "Evaluator", "MnistClassifier", "PeakMemory", "SampleReport", "compare_samplers",
           "classify", "comparison_table", "measured_on", "evaluate_images", "frechet_distance", "kernel_distance", "load_classifier", "make_probe",
           "sample_images", "save_classifier", "train_classifier", "SnapshotRecorder", "TrainingSnapshots",
           "parse_steps", "MnistResult", "MnistTrainConfig", "load_mnist_checkpoint", "save_mnist_checkpoint",
           "train_mnist", "SmallUNet", "UNetConfig", "FRAMES_FILE", "DigitFrames", "read_digit_frames",
           "record_digit_frames", "TableError", "read_record", "write_record", "row_name", "table_markdown", "table_note"]
