"""The four run configs share one way to be saved, loaded, validated and keyed
(diffusion_core/config.py): a dictionary through JSON loads as it was saved, every
numeric field is checked, and the shipped runs keep their keys."""

import json

import pytest

from diffusion_core import DataConfig, MLPConfig, MnistTrainConfig, TrainConfig
from diffusion_core.mnist.unet import UNetConfig
from diffusion_core.toy.cache import config_key
from diffusion_core.toy.gan import GanConfig
from diffusion_core.toy.vae import VaeConfig

CONFIGS = [TrainConfig(), TrainConfig(data=DataConfig("8gaussians"), model=MLPConfig(n_classes=8), cond_drop=0.2,
                                      objective="velocity"),
           GanConfig(), VaeConfig(z_dim=3), MnistTrainConfig(unet=UNetConfig(base=16, mults=(1, 2)))]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: type(c).__name__)
def test_a_config_loads_as_it_was_saved_through_json(config):
    again = type(config).from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config and again.key() == config.key()


def test_the_shipped_runs_keep_their_keys():
    """The names the models under models/ were saved with (measured before the configs
    shared a base)."""
    assert [config_key(TrainConfig(data=DataConfig(d))) for d in ("moons", "8gaussians", "spiral")] == [
        "8fd682b0ac4f", "a908f797fd3a", "aad3c8626cc6"]
    assert (GanConfig().key(), VaeConfig().key()) == ("3e7709bd35fb", "63fe17bff8c9")
    assert "objective" not in TrainConfig().to_dict() and "n_classes" not in TrainConfig().to_dict()["model"]


@pytest.mark.parametrize("cls", [TrainConfig, GanConfig, VaeConfig, MnistTrainConfig])
@pytest.mark.parametrize("field,value,says", [("steps", 0, "steps must be a positive integer"),
                                              ("batch_size", -1, "batch_size must be a positive integer"),
                                              ("lr", float("nan"), "lr must be positive and finite"),
                                              ("lr", 0.0, "lr must be positive and finite")])
def test_every_config_validates_its_fields(cls, field, value, says):
    with pytest.raises(ValueError, match=says):
        cls(**{field: value})


def test_the_gan_now_validates_as_the_vae_does():
    for field in ("hidden", "layers", "z_dim", "pool_size", "n_snapshot"):
        with pytest.raises(ValueError, match=f"{field} must be a positive integer"):
            GanConfig(**{field: 0})
    with pytest.raises(ValueError, match="ema_decay must be in"):
        TrainConfig(ema_decay=1.0)
    with pytest.raises(ValueError, match="warmup must be"):
        MnistTrainConfig(warmup=-1)
