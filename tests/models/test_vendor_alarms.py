"""Vendor push parsing (Hikvision ISAPI XML, Dahua event text) and the mapping table, without a web server."""
from __future__ import annotations

import pytest

from models.config.vendor_alarms import VendorAlarmsConfig
from models.vendor_alarms import (
    VendorAlarmError,
    find_device,
    parse_dahua,
    parse_hikvision,
    route_of,
)
from tests.vendor_payloads import dahua_event, hik_alert


def test_hikvision_intrusion_alert_gives_type_channel_time_box_and_a_stable_id():
    ev = parse_hikvision(hik_alert("fielddetection", channel=2, count=3))
    assert (ev.event_type, ev.channel, ev.time, ev.active) == ("fielddetection", 2, "2026-12-05T10:15:30+08:00", True)
    # ISAPI region coordinates are 0–1000 with the origin at the BOTTOM left
    assert ev.box == pytest.approx([0.1, 0.7, 0.4, 0.9])
    assert ev.event_id == "fielddetection/2/2026-12-05T10:15:30+08:00/3"
    assert parse_hikvision(hik_alert("fielddetection", channel=2, count=3)).event_id == ev.event_id  # replay
    assert parse_hikvision(hik_alert("fielddetection", channel=2, count=4)).event_id != ev.event_id


def test_hikvision_target_rect_uuid_and_inactive_state():
    ev = parse_hikvision(hik_alert("unattendedBaggage", region=None, target_rect=(0.5, 0.6, 0.1, 0.2),
                                   uuid="7f3a-01"))
    assert ev.box == pytest.approx([0.5, 0.6, 0.6, 0.8]) and ev.event_id == "7f3a-01"
    assert parse_hikvision(hik_alert("VMD", region=None, state="inactive")).active is False
    assert parse_hikvision(hik_alert("VMD", region=None)).box is None


@pytest.mark.parametrize("body,field,words", [
    (b"", "body", "empty"),
    (b"<EventNotificationAlert><eventType>VMD", "body", "not well-formed"),
    ((b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
      b"<EventNotificationAlert><eventType>&b;</eventType></EventNotificationAlert>"), "body", "DTD, entities"),
    ((b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
      b"<EventNotificationAlert><eventType>&e;</eventType></EventNotificationAlert>"), "body", "DTD, entities"),
    (b"<ResponseStatus><statusCode>1</statusCode></ResponseStatus>", "body", "expected an EventNotificationAlert"),
    (b"<EventNotificationAlert><dateTime>2026-12-05T10:00:00</dateTime></EventNotificationAlert>", "eventType",
     "missing"),
    (b"<EventNotificationAlert><eventType>VMD</eventType></EventNotificationAlert>", "dateTime", "missing"),
    ((b"<EventNotificationAlert><eventType>VMD</eventType><channelID>one</channelID><dateTime>x</dateTime>"
      b"</EventNotificationAlert>"), "channelID", "not a channel number"),
])
def test_hikvision_bad_bodies_are_refused_naming_what_is_wrong(body, field, words):
    with pytest.raises(VendorAlarmError) as exc:
        parse_hikvision(body)
    assert exc.value.field == field and words in exc.value.message and exc.value.status == 400


def test_dahua_events_parse_with_ids_boxes_and_actions():
    text = "\r\n".join([dahua_event("CrossRegionDetection", index=0, utc=1764900930, event_id=4711),
                        dahua_event("LeftDetection", action="Stop", index=1, local="2026-12-05 10:15:30", box=None)])
    first, second = parse_dahua(text)
    assert (first.event_type, first.channel, first.event_id, first.time, first.active) == \
        ("CrossRegionDetection", 0, "4711", 1764900930, True)
    assert first.box == pytest.approx([2048 / 8191, 4096 / 8191, 4096 / 8191, 6144 / 8191])
    assert (second.channel, second.active, second.time, second.box) == (1, False, "2026-12-05T10:15:30", None)
    assert second.event_id == "LeftDetection/1/2026-12-05T10:15:30"


@pytest.mark.parametrize("text,field", [
    ("hello", "body"),
    ("Code=VideoMotion;action=Start;index=0;data={not json", "data"),
    ("Code=VideoMotion;action=Start;index=0;data=[1,2]", "data"),
    ("Code=VideoMotion;action=Start;index=0", "data"),  # no time at all
    ("Code=VideoMotion;action=Start;index=x;data={\"UTC\": 1}", "index"),
])
def test_dahua_bad_pushes_are_refused(text, field):
    with pytest.raises(VendorAlarmError) as exc:
        parse_dahua(text)
    assert exc.value.field == field


def test_the_mapping_table_matches_event_type_case_insensitively_and_channel_or_any():
    cfg = VendorAlarmsConfig.model_validate({"devices": [{
        "code": "HK-NVR-1", "vendor": "hikvision", "password_env": "HK_PW", "routes": [
            {"event": "fielddetection", "channel": 1, "camera": "CAM-0001", "type": "PT02", "zone": "人行道"},
            {"event": "fielddetection", "channel": 2, "camera": "CAM-0002", "type": "PT02"},
            {"event": "parking", "camera": "CAM-0003", "type": "PT01"}]}]})
    dev = find_device(cfg, "hikvision", "HK-NVR-1")
    assert find_device(cfg, "dahua", "HK-NVR-1") is None
    assert route_of(dev, parse_hikvision(hik_alert("FieldDetection", channel=2))).camera == "CAM-0002"
    assert route_of(dev, parse_hikvision(hik_alert("parking", channel=9))).camera == "CAM-0003"
    assert route_of(dev, parse_hikvision(hik_alert("fielddetection", channel=3))) is None
    with pytest.raises(ValueError, match="appears twice"):
        VendorAlarmsConfig.model_validate({"devices": [
            {"code": "A", "vendor": "dahua", "password_env": "X"}, {"code": "A", "vendor": "hikvision",
                                                                     "password_env": "Y"}]})
