"""The short cuts that make a frame cheaper to draw, each checked against what it stands
in for: the cloud's alpha summed over the box its dots cover (against the whole image), a
trail drawn as it grows (against manim stroking the whole polyline), a cloud or a trail
painted by cairo through its mask (against PIL compositing its pixels), a fade of a mask
(against manim's per-pixel fade), a shape painted from its layer (against drawing it
again), copies of glyphs, and play_frames refusing a mover it was not told of."""

import numpy as np
import pytest
from manim import LEFT, RIGHT, Text, VMobject, tempconfig

from scenes.kit.cloud import CloudCamera, CloudImage, MaskImage, rasterise, rasterise_alpha
from scenes.kit.settings import FrozenMover, LectureScene
from scenes.kit.widgets import TrailLayer

SMALL = {"pixel_width": 320, "pixel_height": 180, "frame_rate": 5, "disable_caching": True,
         "verbosity": "WARNING", "progress_bar": "none"}


def _full_image_rasterise(xy, extent, size, dot_px, opacity):
    """rasterise's alpha summed over the whole image (the code before the box)."""
    xy = np.asarray(xy, dtype=np.float32)
    scale = np.float32(size / (2 * extent))
    px = (xy[:, 0] + np.float32(extent)) * scale - np.float32(0.5)
    py = (np.float32(extent) - xy[:, 1]) * scale - np.float32(0.5)
    cx, cy = np.rint(px), np.rint(py)
    sigma = max(dot_px / 4.0, 0.5)
    r = int(np.ceil(2.5 * sigma))
    offs = np.arange(-r, r + 1, dtype=np.float32)
    k = np.float32(-0.5 / sigma**2)
    wx = np.exp(k * (offs[None, :] - (px - cx)[:, None]) ** 2)
    wy = np.exp(k * (offs[None, :] - (py - cy)[:, None]) ** 2)
    weights = (wy[:, :, None] * wx[:, None, :]) * np.float32(1 / (2 * np.pi * sigma**2))
    steps = np.arange(-r, r + 1, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        xi = cx.astype(np.int64)[:, None, None] + steps[None, None, :]
        yi = cy.astype(np.int64)[:, None, None] + steps[None, :, None]
    ok = (xi >= 0) & (xi < size) & (yi >= 0) & (yi < size)
    flat = (yi * size + xi)[ok]
    density = np.bincount(flat, weights=np.broadcast_to(weights, ok.shape)[ok], minlength=size * size)
    alpha = np.exp(density.astype(np.float32).reshape(size, size) * np.float32(-1.9 * 2 * np.pi * sigma**2))
    alpha *= np.float32(-255.0 * opacity)
    alpha += np.float32(255.0 * opacity)
    return alpha.astype(np.uint8)


@pytest.mark.parametrize("spread, shift", [(0.2, 0.0), (1.0, 0.0), (3.0, 0.0), (0.5, 3.5), (0.5, 40.0)])
def test_rasterise_in_its_box_is_the_whole_image_sum(spread, shift):
    rng = np.random.default_rng(0)
    xy = rng.normal(scale=spread, size=(700, 2)) + shift
    xy[3] = np.nan
    with np.errstate(invalid="ignore"):
        ours = rasterise_alpha(xy, 4.0, 150, 5.0, 0.7)
    assert ours.shape == (150, 152) and not ours[:, 150:].any()
    assert np.array_equal(ours[:, :150], _full_image_rasterise(xy, 4.0, 150, 5.0, 0.7))
    rgba = rasterise(xy[4:], 4.0, 150, "#2A6FDB", 5.0, 0.7)
    assert np.array_equal(rgba[..., 3], _full_image_rasterise(xy[4:], 4.0, 150, 5.0, 0.7))


def _frame(camera: CloudCamera, *mobjects) -> np.ndarray:
    camera.reset()
    camera.capture_mobjects(list(mobjects))
    return camera.pixel_array[..., :3].astype(int)


def test_a_cloud_painted_through_its_mask_is_the_pil_composite():
    with tempconfig(SMALL):
        camera = CloudCamera(background_color="#FFFFFF")
        cloud = CloudImage(np.random.default_rng(1).normal(size=(300, 2)), 3.0, 4.0, color="#D55E00", opacity=0.8)
        painted = _frame(camera, cloud)
        cloud.pixel_array = cloud.pixel_array.copy()  # its pixels, not its mask: PIL's path
        assert cloud.mask() is None
        composited = _frame(camera, cloud)
    assert (composited != 255).sum() > 500
    assert np.abs(painted - composited).max() <= 1  # on white they agree but for rounding


def test_a_fade_of_a_mask_is_manims_fade_of_its_pixels():
    with tempconfig(SMALL):
        cloud = CloudImage(np.random.default_rng(2).normal(size=(300, 2)), 3.0, 4.0, opacity=0.9)
        faded = cloud.copy().fade(1)
        for a in (0.0, 0.3, 0.75, 1.0):
            mid = cloud.copy()
            mid.interpolate_color(faded, cloud, a)
            assert mid.mask() is not None and mid.mask_fade == pytest.approx(a)  # nothing per pixel
            ref = cloud.pixel_array[..., 3].astype(float) * a
            assert np.abs(mid.pixel_array[..., 3] - ref).max() <= 1.0
        assert np.array_equal(cloud.copy().set_opacity(0.5).mask(), cloud.mask())
        camera = CloudCamera(background_color="#FFFFFF")
        mid = cloud.copy()
        mid.interpolate_color(faded, cloud, 0.4)
        painted = _frame(camera, mid)  # cairo, through the mask at 0.4
        mid.pixel_array = mid.pixel_array.copy()
        composited = _frame(camera, mid)  # PIL, from its pixels
    assert (composited != 255).sum() > 500 and np.abs(painted - composited).max() <= 2  # alpha rounded, not cut


def test_a_trail_grown_step_by_step_is_manims_polyline():
    """A trail drawn as it grows (segments added frame by frame, the live end redrawn)
    against manim stroking the same corners at once, on a path that does not cross itself."""
    t = np.linspace(0, 3 * np.pi, 121)
    path = np.stack([0.6 * t - 3.0, 1.5 * np.sin(t), 0 * t], axis=1)  # (K+1, 3), scene units
    with tempconfig(SMALL):
        camera = CloudCamera(background_color="#FFFFFF")
        layer = TrailLayer(path, 3, "#0072B2", width=4.0, opacity=0.8)
        for k in range(0, 101):
            layer.show_until(k)
        ours = _frame(camera, layer)
        line = VMobject(stroke_color="#0072B2", stroke_width=4.0, stroke_opacity=0.8)
        line.set_points_as_corners(np.vstack([path[:101:3], path[100]]))
        manims = _frame(camera, line)
    assert (manims != 255).sum() > 300
    diff = np.abs(ours - manims)
    assert diff.max() <= 12 and (diff > 2).mean() < 0.002, (diff.max(), (diff > 2).sum())
    layer.show_until(30)  # back in time: drawn again from the start, then in one stroke
    layer.show_until(100)
    with tempconfig(SMALL):
        again = np.abs(_frame(CloudCamera(background_color="#FFFFFF"), layer) - ours)
    assert again.max() <= 12 and (again > 2).mean() < 0.002


def test_a_shape_painted_from_its_layer_is_the_shape_drawn_again():
    with tempconfig(SMALL):
        camera = CloudCamera(background_color="#FFFFFF")
        text = Text("¿Difusión? 1000", font_size=30, color="#123456")
        glyphs = text.family_members_with_points()
        first = _frame(camera, *glyphs)  # drawn, and remembered
        second = _frame(camera, *glyphs)  # drawn into layers
        third = _frame(camera, *glyphs)  # painted from them
        assert len(camera._shapes) >= len(glyphs) and all(v for v in camera._shapes.values())
        faint = text.copy().set_opacity(0.4)
        manims = camera.__class__.__mro__[1]  # the plain camera draws the faint text for reference
        plain = manims(background_color="#FFFFFF")
        ref = _frame(plain, *faint.family_members_with_points())
        for _ in range(2):
            faded = _frame(camera, *faint.family_members_with_points())
    assert np.abs(second - first).max() <= 1 and np.abs(third - first).max() <= 1
    assert (first != 255).sum() > 200
    assert np.abs(faded - ref).max() <= 1


def test_a_glyphs_copy_shares_its_svg_path_and_nothing_else():
    import scenes.kit.settings  # noqa: F401  (it teaches glyphs to share their path)

    text = Text("ñ", font_size=30)
    glyph = text.family_members_with_points()[0]
    copy = glyph.copy()
    assert copy.path_obj is glyph.path_obj and copy.points is not glyph.points
    copy.shift(RIGHT)
    assert not np.allclose(copy.points, glyph.points)


def test_play_frames_refuses_a_mover_it_was_not_told_of(tmp_path):
    """A label changed by show() but not listed would be frozen in the video: an error."""
    from scenes.kit.cloud import CloudPanel
    from scenes.kit.playback import play_frames

    class Sneaky(LectureScene):
        def construct(self):
            panel = CloudPanel(np.zeros((1, 2)), side=4.0).shift(3 * LEFT)
            label = Text("0", font_size=30).shift(3 * RIGHT)
            self.add(panel, label)

            def show(k: int) -> None:
                panel.cloud.set_xy(np.full((5, 2), 0.3 * k))
                label.become(Text(str(k), font_size=30).move_to(label))

            play_frames(self, 4, show, [panel], run_time=1.0)

    with tempconfig({**SMALL, "media_dir": str(tmp_path)}):
        with pytest.raises(FrozenMover, match="changed during play_frames but is not among its movers"):
            Sneaky().render()


def test_mask_images_are_pixel_images_for_manim():
    """What manim reads of an image (its pixels, its copies) is there, made when read."""
    with tempconfig(SMALL):
        cloud = CloudImage(np.zeros((3, 2)), 2.0, 4.0, color="#FF0000")
        assert isinstance(cloud, MaskImage)
        px = cloud.pixel_array
        assert px.shape == (cloud.size_px, cloud.size_px, 4) and (px[..., 0] == 255).all()
        assert np.array_equal(px[..., 3], cloud.mask()[:, : cloud.size_px])


@pytest.mark.slow
def test_a_videos_poster_is_the_still_a_png_render_makes(tmp_path):
    """render --beats for the deck writes the poster from the video's own render: the same
    picture a render of the still alone makes (the forward scene shows no measured time)."""
    from PIL import Image

    from scenes.rendering import RenderJob, render_scene

    video = render_scene(RenderJob.of("forward", quality="low", out_dir=tmp_path / "v", resolution=(256, 144), fps=5,
                         progress=False, poster=True))
    still = render_scene(RenderJob.of("forward", fmt="png", quality="low", out_dir=tmp_path / "s", resolution=(256, 144), fps=5,
                         progress=False))
    poster = video.with_name(still.name)
    assert poster.is_file() and np.array_equal(np.asarray(Image.open(poster)), np.asarray(Image.open(still)))
