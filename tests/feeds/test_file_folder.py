"""file (video) and folder (images) adapters: pacing, looping, order, kill/restart."""
from __future__ import annotations

import shutil

import cv2
import pytest

from feeds.base import BadFrame, CameraSourceSpec, SourceUnavailable
from feeds.registry import make_adapter

from .harness import Harness, kill_and_restart
from .sources import frame_index, jpeg, noisy, scene, write_video


class FakeClock:
    def __init__(self, t=1000.0):
        self.t = t

    def __call__(self):
        return self.t


@pytest.fixture
def video(tmp_path):
    return write_video(tmp_path / "clip.avi", frames=20, fps=10)


def file_cam(path, clock=None, **options):
    spec = CameraSourceSpec(kind="file", url=str(path), options=options)
    return make_adapter("CAM-T", spec, clock=clock) if clock else make_adapter("CAM-T", spec)


def test_written_video_is_readable_and_indexed(video):
    cap = cv2.VideoCapture(str(video))
    idx = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        idx.append(frame_index(img))
    assert idx == list(range(20))


def test_fast_pace_samples_by_media_time_and_loops(video):
    with file_cam(video, pace="fast", step_s=0.5) as cam:
        got = [cam.read() for _ in range(10)]
    assert [frame_index(img) for img, _ in got] == [0, 5, 10, 15, 0, 5, 10, 15, 0, 5]
    assert [m for _, m in got] == pytest.approx([0.5 * i for i in range(10)])  # media time counts on


def test_real_pace_follows_the_clock(video):
    clock = FakeClock()
    with file_cam(video, clock=clock, pace="real") as cam:
        seen = []
        for dt in (0.0, 0.35, 1.2, 0.1, 0.6):  # → media 0, 0.35, 1.55, 1.65, 2.25 s
            clock.t += dt
            img, media = cam.read()
            seen.append((frame_index(img), round(media, 2)))
    assert seen == [(0, 0.0), (3, 0.3), (15, 1.5), (16, 1.6), (2, 2.2)]


def test_play_once_goes_unavailable_at_the_end(video):
    with file_cam(video, pace="fast", step_s=0.9, loop=False) as cam:
        assert [frame_index(cam.read()[0]) for _ in range(3)] == [0, 9, 18]
        with pytest.raises(SourceUnavailable, match="ended"):
            cam.read()
    with pytest.raises(SourceUnavailable, match="ended"):
        cam.open()


def test_missing_or_bad_video_is_a_clear_error(tmp_path):
    with pytest.raises(SourceUnavailable, match="not found"):
        file_cam(tmp_path / "nope.avi").open()
    bad = tmp_path / "bad.avi"
    bad.write_bytes(b"this is not a video" * 100)
    with pytest.raises(SourceUnavailable, match="cannot open"):
        file_cam(bad).open()


def test_video_kill_and_restart_goes_offline_and_back(video, tmp_path):
    backup = tmp_path / "backup.avi"
    shutil.copy(video, backup)
    cam = file_cam(video, pace="fast", step_s=0.5)
    with Harness({"CAM-T": cam}, interval_s=0.2, offline_after_s=1.0) as h:
        kill_and_restart(h, video.unlink, lambda: shutil.copy(backup, video))


# -- folder ----------------------------------------------------------------------------------------------
@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "imgs"
    d.mkdir()
    base = scene(320, 240, seed=4)
    for i in (1, 2, 10, 3):
        img = noisy(base)
        cv2.putText(img, str(i), (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        (d / f"img{i}.jpg").write_bytes(jpeg(img))
    (d / "notes.txt").write_text("not an image")
    return d


def folder_cam(path, **options):
    return make_adapter("CAM-T", CameraSourceSpec(kind="folder", url=str(path), options=options))


def test_folder_reads_images_in_name_order_and_loops(folder):
    order = []
    with folder_cam(folder, step_s=2) as cam:
        for _ in range(6):
            img, media = cam.read()
            order.append((img.shape, media))
    assert [m for _, m in order] == [0, 2, 4, 6, 8, 10]
    # natural order: img1, img2, img3, img10, then again img1 …
    with folder_cam(folder) as cam:
        assert cam._files and [p.name for p in cam._files] == ["img1.jpg", "img2.jpg", "img3.jpg", "img10.jpg"]


def test_folder_once_and_bad_images(folder):
    (folder / "img0.jpg").write_bytes(b"\xff\xd8garbage")
    with folder_cam(folder, loop=False) as cam:
        with pytest.raises(BadFrame, match="img0.jpg"):
            cam.read()
        for _ in range(4):
            cam.read()
        with pytest.raises(SourceUnavailable, match="all images read"):
            cam.read()


def test_folder_missing_or_empty(tmp_path):
    with pytest.raises(SourceUnavailable, match="not found"):
        folder_cam(tmp_path / "nope").open()
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceUnavailable, match="no images"):
        folder_cam(tmp_path / "empty").open()


def test_folder_kill_and_restart_goes_offline_and_back(folder, tmp_path):
    away = tmp_path / "away"
    cam = folder_cam(folder)
    with Harness({"CAM-T": cam}, interval_s=0.2, offline_after_s=1.0) as h:
        kill_and_restart(h, lambda: folder.rename(away), lambda: away.rename(folder))
