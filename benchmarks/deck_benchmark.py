"""The deck builder and parallel rendering, timed as whole commands (fresh processes).

    python benchmarks/deck_benchmark.py                     # both parts
    python benchmarks/deck_benchmark.py --skip-render-all   # only the deck

1. ``python cli.py deck`` on the course deck (../shared/deck/slides.md) from nothing
   (an empty cache and output folder) at --quality high with --jobs 2, then the same
   command again with nothing changed (goal: under 5 s).
2. ``python cli.py render all`` with --jobs 1 and --jobs 2 at --render-quality (the
   trajectory and formula caches warm in both, from a first untimed run of the stills).

--mapping adds the course deck's mapping lines (docs/lecture.md's seven: the pictures our
scenes draw) as --slot options; --pdf adds --pdf --check to the deck command. --baseline
REV times the same commands on the code at git revision REV (a temporary worktree, its
own cache and output), alternating with this code, so that both are measured in one run
on one machine: their ratio is worth more than either time.

With --profile, the deck from nothing is built in this process instead, and then
``render all`` with --jobs 2; each render is listed with its worker, when it started and
ended, the CPU seconds its process used (x264's threads included) and, for the
trajectories the deck sampled on the way, how long each took: where the time of the two
workers goes.
"""

from __future__ import annotations

import argparse
import ast
import ctypes
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import lecture.build as build  # noqa: E402
import lecture.renders as renders  # noqa: E402
import scenes.rendering.cache as cache  # noqa: E402
from scenes.registry import SCENES  # noqa: E402
from scenes.rendering import RenderJob, render_many  # noqa: E402

DECK = REPO.parent / "shared" / "deck" / "slides.md"


def _mapping() -> dict[str, str]:
    """The course deck's mapping lines, as docs/lecture.md gives them (its TOML block: seven)."""
    text = (REPO / "docs" / "lecture.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.DOTALL).group(1)
    return tomllib.loads("\n".join(line.strip() for line in block.splitlines()))


MAPPING = _mapping()


def timed(args: list[str], env: dict, root: Path = REPO) -> float:
    """Seconds of one command; with --check, exit status 1 (the check's faults: the
    course deck lacks five of the lecturer's pictures) is a finished run, not a failure."""
    return measured(args, env, root)["wall"]


def _adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (Linux's
    PR_SET_CHILD_SUBREAPER): the render workers' fork server outlives the command by a
    moment and is nobody's to wait for, so its CPU (and its workers') would go uncounted."""
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def measured(args: list[str], env: dict, root: Path = REPO) -> dict:
    """One command, measured: its wall seconds (until it exits), the CPU seconds of it and
    every process it started (render workers and their fork server, Marp, Chromium), the
    peak memory of its largest process (MB), and what it printed (the build's stages, each
    render's own seconds, the check's time)."""
    _adopt_orphans()
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "cli.py", *args], cwd=root, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        cpu, peak = usage.ru_utime + usage.ru_stime, usage.ru_maxrss
        while True:  # the orphans it left to us (the fork server): each ends once the command has
            try:
                _, _, usage = os.wait4(-1, 0)
            except ChildProcessError:
                break
            cpu, peak = cpu + usage.ru_utime + usage.ru_stime, max(peak, usage.ru_maxrss)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    if proc.returncode and not (proc.returncode == 1 and "--check" in args):
        raise subprocess.CalledProcessError(proc.returncode, args, text)
    return {"wall": wall, "cpu": cpu, "peak_mb": peak / 1024, "text": text}


def where(text: str) -> dict[str, float]:
    """Where a deck command's time went, from what it printed: each scene's renders (their
    own seconds, summed), the build's other stages, and the check."""
    parts: dict[str, float] = {}
    for scene, secs in re.findall(r"^  rendered   \S.* \(([\w-]+): ([\d.]+) s;", text, re.MULTILINE):
        parts[f"render {scene}"] = parts.get(f"render {scene}", 0.0) + float(secs)
    built = re.search(r"^built in [\d.]+ s \((.*?)\)", text, re.MULTILINE)
    for name, secs in re.findall(r"([\w]+) ([\d.]+) s", built.group(1) if built else ""):
        parts[name] = float(secs)
    checked = re.search(r"^checked in ([\d.]+) s", text, re.MULTILINE)
    if checked:
        parts["check"] = float(checked.group(1))
    return parts


def worktree(rev: str, work: Path) -> Path:
    """The code at ``rev`` in a temporary worktree (Marp's node_modules linked in)."""
    root = work / f"code-{rev}"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(root), rev], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if (REPO / "node_modules").is_dir():
        (root / "node_modules").symlink_to(REPO / "node_modules")
    return root


def deck_times(args, work: Path) -> None:
    """The deck from nothing and again, for this code and (alternating) the baseline's:
    wall and CPU seconds, peak memory, and where the time went."""
    roots = {"this code": REPO}
    if args.baseline:
        roots = {f"baseline {args.baseline}": worktree(args.baseline, work), "this code": REPO}
    extra = [f for path, key in MAPPING.items() for f in ("--slot", f"{path}={key}")] if args.mapping else []
    extra += ["--pdf", "--check"] if args.pdf else []
    what = ", ".join(filter(None, ["--table", "mapping lines" if args.mapping else "", "--pdf --check" if args.pdf
                                   else "", "--steps" if args.steps else ""]))
    runs: dict[str, dict] = {}
    try:
        for label, root in roots.items():
            env = {**os.environ, "DIFFUSION_CACHE_DIR": str(work / label.replace(" ", "-") / "cache")}
            deck = ["deck", "--deck", str(args.deck), "--out", str(work / label.replace(" ", "-") / "lecture"),
                    "--quality", args.quality, "--jobs", "2", "--table", *(["--steps"] if args.steps else []), *extra]
            runs[label] = first = measured(deck, env, root)
            second = measured(deck, env, root)
            print(f"| {label}: deck, course deck, {args.quality}, --jobs 2, {what}, from nothing | {first['wall']:.1f} s "
                  f"| {first['cpu']:.1f} s CPU | {first['peak_mb']:.0f} MB peak |", flush=True)
            check = where(second["text"]).get("check")
            print(f"| {label}: deck again, nothing changed | {second['wall']:.1f} s"
                  + (f" ({second['wall'] - check:.1f} s without the check's {check:.1f} s)" if check else "") + " |",
                  flush=True)
    finally:
        if args.baseline:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(roots[f"baseline {args.baseline}"])],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parts = {label: where(run["text"]) for label, run in runs.items()}
    names = list(dict.fromkeys(n for p in parts.values() for n in sorted(p, key=lambda n: -p[n])))
    print("\nwhere the time of the deck from nothing went (seconds; a render's own wall time, two at once):")
    print("| part | " + " | ".join(parts) + " |")
    print("|---|" + "---|" * len(parts))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{p[name]:.1f}" if name in p else "" for p in parts.values()) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deck", type=Path, default=DECK)
    ap.add_argument("--quality", default="high")
    ap.add_argument("--skip-render-all", action="store_true")
    ap.add_argument("--skip-deck", action="store_true")
    ap.add_argument("--render-quality", default="low")
    ap.add_argument("--steps", action="store_true", help="the deck with --steps (one slide per beat)")
    ap.add_argument("--profile", action="store_true", help="the deck from nothing, each render's worker, times and CPU")
    ap.add_argument("--mapping", action="store_true", help="with the course deck's mapping lines (--slot)")
    ap.add_argument("--pdf", action="store_true", help="with --pdf --check")
    ap.add_argument("--baseline", metavar="REV", help="also time the code at git revision REV, in the same run")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="deck-bench-"))
    env = {**os.environ, "DIFFUSION_CACHE_DIR": str(work / "cache")}
    if args.profile:
        return profile(args, work)
    if not args.skip_deck:
        deck_times(args, work)
    if not args.skip_render_all:
        q = args.render_quality
        timed(["render", "all", "-q", "low", "--format", "png", "--out", str(work / "warm")], env)  # caches, untimed
        one = timed(["render", "all", "-q", q, "--jobs", "1", "--out", str(work / "r1")], env)
        two = timed(["render", "all", "-q", q, "--jobs", "2", "--out", str(work / "r2")], env)
        print(f"| render all -q {q} --jobs 1 | {one:.1f} s |")
        print(f"| render all -q {q} --jobs 2 | {two:.1f} s ({one / two:.2f}x faster) |")
    return 0


def profile(args, work: Path) -> int:
    os.environ["DIFFUSION_CACHE_DIR"] = str(work / "cache")
    done: list = []  # (job, rendered) of every render, as the workers report them

    def recording(jobs, n_jobs, on_done=None, **kwargs):
        def hook(job, rendered):
            done.append((job, rendered))
            if on_done:
                on_done(job, rendered)
        return render_many(jobs, n_jobs, on_done=hook, **kwargs)

    if not args.skip_deck:
        renders.render_many = recording
        start = time.time()
        build.build_deck(build.DeckOptions(deck=args.deck, out=work / "lecture", quality=args.quality, jobs=2,
                                           table=True, steps=args.steps), log=lambda *a: None)
        total = time.time() - start
        timeline(done, start)
        for f in sorted((work / "cache" / "trajectories").glob("*.npz")):
            with np.load(f) as data:
                meta = ast.literal_eval(str(data["meta"]))  # written by Trajectory.save: a dict literal
            print(f"sampled {f.name}: {meta.get('wall_s', float('nan')):.1f} s")
        print(f"whole build: {total:.1f} s; CPU of the renders: {sum(r.profile['cpu'] for _, r in done):.1f} s")
    if not args.skip_render_all:  # render all -q low --jobs 2, caches warm: both workers' renders
        cache.render_cached([RenderJob(k, fmt="png", quality="low", out_dir=work / "warm") for k in SCENES], 2,
                            log=lambda *a: None)  # the caches, untimed
        done.clear()
        cache.render_many = recording
        start = time.time()
        cache.render_cached([RenderJob(k, quality=args.render_quality, out_dir=work / "r2") for k in SCENES], 2,
                            log=lambda *a: None)
        print(f"render all -q {args.render_quality} --jobs 2: {time.time() - start:.1f} s")
        timeline(done, start)
    return 0


def timeline(done: list, start: float) -> None:
    workers = {w: i + 1 for i, w in enumerate(dict.fromkeys(r.profile["worker"] for _, r in done))}
    print("| worker | render | starts (s) | ends (s) | wall (s) | CPU (s) |")
    print("|---|---|---|---|---|---|")
    for job, r in sorted(done, key=lambda d: (workers[d[1].profile["worker"]], d[1].profile["start"])):
        p = r.profile
        what = f"{job.scene} {job.fmt}" + (" + poster" if job.poster else "")
        print(f"| {workers[p['worker']]} | {what} | {p['start'] - start:.1f} | {p['end'] - start:.1f} | "
              f"{p['end'] - p['start']:.1f} | {p['cpu']:.1f} |")
    cpu = sum(r.profile["cpu"] for _, r in done)
    busy = {w: sum(r.profile["end"] - r.profile["start"] for _, r in done if r.profile["worker"] == w) for w in workers}
    print(f"CPU of the renders: {cpu:.1f} s; each worker busy: " + ", ".join(f"{b:.1f} s" for b in busy.values()))


if __name__ == "__main__":
    raise SystemExit(main())
