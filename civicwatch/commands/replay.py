"""``civicwatch replay VIDEO --zones ZONES.yaml [--fps N] --json``: detection over a video file.

Runs the same pipeline as the live service (no database: raised problems are collected in memory) and
prints one JSON object per problem raised: ``problem_type``, ``zone``, ``first_seen_s``, ``confirmed_s``
(video time), ``box`` (relative x1, y1, x2, y2), ``score``, ``type_unconfirmed`` (类型待确认). Problem types come from the database when it
holds them, else from the registry files (``--registry``, default the seed registry).
"""
from __future__ import annotations

import json
import sys
from datetime import datetime, time as dtime

import click
import yaml


def read_video(path: str, fps: float):
    """``(video_time_s, frame)`` every ``1/fps`` seconds of video time."""
    import cv2

    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise click.ClickException(f"{path}: cannot open the video (missing file or unsupported format)")
    src_fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    step = 1.0 / fps
    next_t = 0.0
    index = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            t = index / src_fps
            index += 1
            if t + 1e-6 >= next_t:
                next_t += step
                yield t, frame
    finally:
        cap.release()


def load_zones_file(path: str) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise click.ClickException(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("zones"), list):
        raise click.ClickException(f"{path}: expected a mapping with a `zones:` list")
    return data["zones"]


def problem_types(cfg, registry_dir):
    from models.detection.sources import registry_from_directory

    if registry_dir is None:
        try:
            from models.context import AppContext
            from models.detection.types import load_types

            ctx = AppContext.from_config(cfg)
            try:
                with ctx.sessions() as s:
                    book = load_types(s)
            finally:
                ctx.engine.dispose()
            if len(book):
                return book
        except Exception:  # noqa: BLE001 - no database: fall back to the registry files
            pass
    directory = registry_dir or cfg.path(cfg.registry_seed_dir or "assets/registry")
    return registry_from_directory(directory)[0]


def register(cli) -> None:
    @cli.command("replay")
    @click.argument("video", type=click.Path(dir_okay=False))
    @click.option("--zones", "zones_path", required=True, help="ZONES.yaml with a `zones:` list.")
    @click.option("--fps", default=2.0, show_default=True, help="Frames analysed per second of video.")
    @click.option("--start", default="12:00", show_default=True,
                  help="Local time of day the video starts at (for active hours).")
    @click.option("--learn-s", default=5.0, show_default=True, help="Seconds the background is learnt first.")
    @click.option("--registry", "registry_dir", default=None, help="Registry directory for problem types.")
    @click.option("--json", "as_json", is_flag=True, help="JSON lines (the default output anyway).")
    @click.pass_obj
    def replay(obj, video, zones_path, fps, start, learn_s, registry_dir, as_json):
        """Run problem detection over a video file; one JSON object per problem raised."""
        import cv2

        from models.clock import LOCAL_TZ
        from models.detection.replay import replay_frames
        from models.detection.types import UnknownProblemType

        if fps <= 0:
            raise click.BadParameter("must be > 0", param_hint="--fps")
        try:
            hh, mm = (int(v) for v in start.split(":"))
            at = datetime.combine(datetime.now(LOCAL_TZ).date(), dtime(hh, mm), LOCAL_TZ).timestamp()
        except ValueError:
            raise click.BadParameter(f"expected HH:MM, got {start!r}", param_hint="--start") from None
        cv2.setNumThreads(1)
        cfg = obj.config()
        zones = load_zones_file(zones_path)
        book = problem_types(cfg, registry_dir)
        try:
            raised = replay_frames(read_video(video, fps), zones, book, at, cfg.detection.analysis_width,
                                   learn_s=learn_s)
        except (ValueError, UnknownProblemType) as exc:
            raise click.ClickException(f"{zones_path}: {exc}") from None
        for r in raised:
            click.echo(json.dumps(r, ensure_ascii=False))
        click.echo(f"{len(raised)} problem(s) raised", err=True)
        sys.stdout.flush()
