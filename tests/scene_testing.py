"""Helpers for the control-frame tests (tests/ is on sys.path under pytest)."""

from manim import Animation


def settle(scene):
    """manim's last-frame test draws only the mobjects of the last animation: end on
    one that holds every mobject, so the control frame is the whole picture."""
    scene.play(*[Animation(m) for m in scene.mobjects])


def whole_scene(scene):
    """The small scene's own construct() (frames_comparison builds a subclass of it), then settle."""
    type(scene).__mro__[1].construct(scene)
    settle(scene)
