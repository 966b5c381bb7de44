"""Adapter plugins: registration by kind, clear errors for unknown kinds, secrets masked."""
from __future__ import annotations

import numpy as np
import pytest

from feeds.base import (
    CameraAdapter, CameraSourceSpec, SourceUnavailable, UnknownAdapterKind, mask_url, scrub, url_with_credentials,
)
from feeds.registry import adapter_class, known_kinds, make_adapter, register_adapter


def test_builtin_kinds_are_found_by_name():
    kinds = known_kinds()
    for kind in ("rtsp", "http_snapshot", "mjpeg", "file", "folder"):
        assert kind in kinds
        assert adapter_class(kind).kind == kind


def test_unknown_kind_names_the_camera_and_the_known_kinds():
    with pytest.raises(UnknownAdapterKind) as err:
        make_adapter("CAM-0042", CameraSourceSpec(kind="onvif"))
    msg = str(err.value)
    assert "CAM-0042" in msg and "'onvif'" in msg
    for kind in ("rtsp", "http_snapshot", "mjpeg", "file", "folder"):
        assert kind in msg


def test_a_new_kind_is_one_decorated_class():
    @register_adapter("test_constant")
    class Constant(CameraAdapter):
        def open(self):
            self.opened = True

        def read(self):
            return np.zeros((4, 4, 3), np.uint8), 1.5

    adapter = make_adapter("CAM-1", CameraSourceSpec(kind="test_constant"))
    assert isinstance(adapter, Constant) and adapter.kind == "test_constant"
    with adapter:
        image, media = adapter.read()
    assert image.shape == (4, 4, 3) and media == 1.5


def test_registering_a_non_adapter_is_refused():
    with pytest.raises(TypeError):
        register_adapter("nope")(object)


def test_credentials_injected_and_masked():
    url = url_with_credentials("rtsp://10.0.0.5:554/Streaming/Channels/102", "ad min", "p@ss:w/rd")
    assert url == "rtsp://ad%20min:p%40ss%3Aw%2Frd@10.0.0.5:554/Streaming/Channels/102"
    assert mask_url(url) == "rtsp://***@10.0.0.5:554/Streaming/Channels/102"
    assert url_with_credentials("rtsp://h/x", None, "pw") == "rtsp://h/x"
    text = scrub(f"failed to open {url} with p@ss:w/rd", "p@ss:w/rd")
    assert "p@ss" not in text and "p%40ss" not in text


def test_password_not_in_repr_nor_in_errors():
    spec = CameraSourceSpec(kind="rtsp", url="rtsp://h/x", username="u", password="hunter2")
    assert "hunter2" not in repr(spec)
    adapter = make_adapter("CAM-1", spec)
    err = adapter.unavailable("could not log in with hunter2 at rtsp://u:hunter2@h/x")
    assert isinstance(err, SourceUnavailable) and "hunter2" not in str(err) and "CAM-1" in str(err)
