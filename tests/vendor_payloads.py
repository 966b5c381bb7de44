"""Alarm pushes as the vendors' documentation describes them (Hikvision ISAPI ``EventNotificationAlert``,
Dahua HTTP API event text), with the time and ids filled in by the tests."""
from __future__ import annotations

import json

HIK_NS = "http://www.hikvision.com/ver20/XMLSchema"


def hik_alert(event_type="fielddetection", channel=1, when="2026-12-05T10:15:30+08:00", state="active", count=1,
              region=((100, 300), (400, 300), (400, 100), (100, 100)), target_rect=None, uuid=None) -> bytes:
    """An ISAPI EventNotificationAlert (ISAPI: Event/notification/alertStream, HTTP host notification)."""
    coords = "".join(f"<RegionCoordinates><positionX>{x}</positionX><positionY>{y}</positionY></RegionCoordinates>"
                     for x, y in region or ())
    rect = "" if target_rect is None else (
        "<TargetRect><X>{}</X><Y>{}</Y><width>{}</width><height>{}</height></TargetRect>".format(*target_rect))
    regions = "" if not coords and not rect else (
        "<DetectionRegionList><DetectionRegionEntry><regionID>1</regionID><sensitivityLevel>50</sensitivityLevel>"
        f"<RegionCoordinatesList>{coords}</RegionCoordinatesList>{rect}</DetectionRegionEntry></DetectionRegionList>")
    uuid_el = f"<UUID>{uuid}</UUID>" if uuid else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<EventNotificationAlert version="2.0" xmlns="{HIK_NS}">'
            "<ipAddress>192.168.1.64</ipAddress><ipv6Address>::ffff:192.168.1.64</ipv6Address><portNo>80</portNo>"
            "<protocol>HTTP</protocol><macAddress>44:19:b6:12:34:56</macAddress>"
            f"<channelID>{channel}</channelID><dateTime>{when}</dateTime><activePostCount>{count}</activePostCount>"
            f"<eventType>{event_type}</eventType><eventState>{state}</eventState>"
            f"<eventDescription>{event_type} alarm</eventDescription><channelName>Camera 01</channelName>"
            f"{uuid_el}{regions}</EventNotificationAlert>").encode()


def dahua_event(code="CrossRegionDetection", action="Start", index=0, utc=None, local=None, event_id=None,
                box=(2048, 4096, 4096, 6144)) -> str:
    """A Dahua event line (HTTP API eventManager: ``Code=…;action=…;index=…;data={…}``)."""
    data = {"Class": "Normal", "Name": "Rule1", "RuleId": 1, "Action": "Appear", "CountInGroup": 1,
            "IndexInGroup": 0, "GroupID": 1}
    if utc is not None:
        data["UTC"] = utc
    if local is not None:
        data["LocalTime"] = local
    if event_id is not None:
        data["EventID"] = event_id
    if box is not None:
        data["Object"] = {"BoundingBox": list(box), "ObjectType": "Unknown", "ObjectID": 7}
    return f"Code={code};action={action};index={index};data={json.dumps(data)}"
