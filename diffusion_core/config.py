"""One way for a run's settings to be saved, loaded, validated and keyed: ``Config``, a
base for the frozen dataclasses that determine a run (toy DDPM, GAN, VAE, MNIST UNet).

    @dataclass(frozen=True)
    class GanConfig(Config):
        POSITIVE = ("hidden", "steps")   # integers, at least 1
        RATES = ("lr",)                  # finite and above 0
        hidden: int = 128
        ...

``to_dict`` is what a checkpoint stores and what ``key`` hashes; ``from_dict`` rebuilds
it, nested configs and tuples included (from the fields' types), so the dictionary a
JSON file gives back loads as it was saved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import typing
from typing import Any, ClassVar

__all__ = ["Config"]


class Config:
    """A frozen dataclass of settings (subclasses add ``@dataclass(frozen=True)``).

    Class attributes name what ``validate`` checks: ``POSITIVE`` (integers at least 1),
    ``RATES`` (finite, above 0), ``FRACTIONS`` (in [0, 1)); a subclass with more to check
    extends ``validate``. ``LATER``: settings added after runs were shipped, left out of
    the dictionary (and so of the key) at these defaults, so earlier runs keep their keys.
    """

    POSITIVE: ClassVar[tuple[str, ...]] = ()
    RATES: ClassVar[tuple[str, ...]] = ()
    FRACTIONS: ClassVar[tuple[str, ...]] = ()
    LATER: ClassVar[dict[str, Any]] = {}

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raises ValueError naming the first field out of its range."""
        for name in self.POSITIVE:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in self.RATES:
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be positive and finite, got {value!r}")
        for name in self.FRACTIONS:
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value < 1):
                raise ValueError(f"{name} must be in [0, 1), got {value!r}")

    def to_dict(self) -> dict:
        """The settings as plain JSON values (nested configs as dictionaries, tuples as
        lists), the ``LATER`` ones left out at their defaults."""
        d = json.loads(json.dumps(dataclasses.asdict(self)))
        for name, default in self.LATER.items():
            if d.get(name) == default:
                del d[name]
        return d

    @classmethod
    def from_dict(cls, d: dict):
        """The config ``to_dict`` gave (from JSON or a checkpoint)."""
        return _build(cls, d)

    def key(self) -> str:
        """12 hex digits of the SHA-256 of ``to_dict`` (sorted keys): the run's name."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:12]


def _build(tp, value):
    """``value`` (JSON) as type ``tp``: a dataclass from its fields, a tuple from a list."""
    if dataclasses.is_dataclass(tp) and isinstance(value, dict):
        hints = typing.get_type_hints(tp)
        names = {f.name for f in dataclasses.fields(tp) if f.init}
        return tp(**{k: _build(hints.get(k), v) for k, v in value.items() if k in names})
    if typing.get_origin(tp) is tuple and isinstance(value, list):
        return tuple(value)
    return value
