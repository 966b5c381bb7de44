"""A fake ONVIF camera on loopback: SOAP 1.2 over HTTP answering the Device and Media calls a probe makes.

Answers ``GetSystemDateAndTime``, ``GetServices``, ``GetCapabilities``, ``GetProfiles`` (a 1920×1080 main and
a 640×360 sub profile), ``GetStreamUri`` and ``GetSnapshotUri``, with the XML the ONVIF Core/Media
specifications define. Every call but the clock needs a WS-Security UsernameToken whose PasswordDigest
(Base64(SHA-1(nonce + created + password))) matches; else a ``ter:NotAuthorized`` SOAP fault (HTTP 400).
"""
from __future__ import annotations

import base64
import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree as ET

NS = {"s": "http://www.w3.org/2003/05/soap-envelope",
      "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
      "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"}
ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:tt="http://www.onvif.org/ver10/schema" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" '
            'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:ter="http://www.onvif.org/ver10/error">'
            "<s:Body>{}</s:Body></s:Envelope>")
PROFILES = [("Profile_1", "mainStream", "H264", 1920, 1080, "101"), ("Profile_2", "subStream", "H265", 640, 360, "102")]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: str) -> None:
        data = ENVELOPE.format(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self, root) -> bool:
        owner = self.server.owner
        token = root.find(".//wsse:UsernameToken", NS)
        if token is None:
            return False
        user = token.findtext("wsse:Username", "", NS)
        digest = token.findtext("wsse:Password", "", NS)
        nonce = base64.b64decode(token.findtext("wsse:Nonce", "", NS) or "")
        created = token.findtext("wsu:Created", "", NS)
        expected = base64.b64encode(hashlib.sha1(nonce + created.encode() + owner.password.encode()).digest()).decode()
        return user == owner.user and digest == expected

    def do_POST(self) -> None:
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        root = ET.fromstring(body)
        op_el = root.find("s:Body", NS)[0]
        op = op_el.tag.rsplit("}", 1)[-1]
        owner.calls.append(op)
        base = f"http://127.0.0.1:{owner.port}/onvif"
        if op == "GetSystemDateAndTime":
            return self._send(200, "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP"
                                   "</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime>"
                                   "<tt:Time><tt:Hour>2</tt:Hour><tt:Minute>0</tt:Minute><tt:Second>0</tt:Second>"
                                   "</tt:Time><tt:Date><tt:Year>2026</tt:Year><tt:Month>12</tt:Month><tt:Day>5</tt:Day>"
                                   "</tt:Date></tt:UTCDateTime></tds:SystemDateAndTime>"
                                   "</tds:GetSystemDateAndTimeResponse>")
        if not self._authorised(root):
            return self._send(400, '<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>'
                                   "ter:NotAuthorized</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en\">"
                                   "Sender not Authorized</s:Text></s:Reason></s:Fault>")
        version = "<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version>"
        if op == "GetServices":
            return self._send(200, "<tds:GetServicesResponse>"
                              f"<tds:Service><tds:Namespace>http://www.onvif.org/ver10/device/wsdl</tds:Namespace>"
                              f"<tds:XAddr>{base}/device_service</tds:XAddr>{version}</tds:Service>"
                              f"<tds:Service><tds:Namespace>http://www.onvif.org/ver10/media/wsdl</tds:Namespace>"
                              f"<tds:XAddr>{base}/Media</tds:XAddr>{version}</tds:Service>"
                              "</tds:GetServicesResponse>")
        if op == "GetCapabilities":
            return self._send(200, "<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media>"
                                   f"<tt:XAddr>{base}/Media</tt:XAddr><tt:StreamingCapabilities>"
                                   "<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
                                   "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>"
                                   "</tds:Capabilities></tds:GetCapabilitiesResponse>")
        if op == "GetProfiles":
            items = "".join(
                f'<trt:Profiles token="{tok}" fixed="true"><tt:Name>{name}</tt:Name>'
                f'<tt:VideoEncoderConfiguration token="VE_{tok}"><tt:Name>VE_{name}</tt:Name><tt:UseCount>1'
                f"</tt:UseCount><tt:Encoding>{enc}</tt:Encoding><tt:Resolution><tt:Width>{w}</tt:Width>"
                f"<tt:Height>{h}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>"
                "<tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration></trt:Profiles>"
                for tok, name, enc, w, h, _ in PROFILES)
            return self._send(200, f"<trt:GetProfilesResponse>{items}</trt:GetProfilesResponse>")
        if op in ("GetStreamUri", "GetSnapshotUri"):
            token = op_el.findtext("{http://www.onvif.org/ver10/media/wsdl}ProfileToken", "")
            channel = next((c for tok, *_, c in PROFILES if tok == token), None)
            if channel is None:
                return self._send(400, "<s:Fault><s:Code><s:Value>s:Sender</s:Value></s:Code><s:Reason>"
                                       '<s:Text xml:lang="en">No such profile</s:Text></s:Reason></s:Fault>')
            uri = (f"rtsp://127.0.0.1:{owner.rtsp_port}/Streaming/Channels/{channel}" if op == "GetStreamUri" else
                   f"http://127.0.0.1:{owner.port}/ISAPI/Streaming/channels/{channel}/picture")
            return self._send(200, f"<trt:{op}Response><trt:MediaUri><tt:Uri>{uri}</tt:Uri>"
                                   "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false"
                                   "</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>"
                                   f"</trt:{op}Response>")
        return self._send(400, "<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason>"
                               f'<s:Text xml:lang="en">{op} not supported</s:Text></s:Reason></s:Fault>')


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeOnvifCamera


class FakeOnvifCamera:
    """``start()`` serves on 127.0.0.1 (any free port, ``port``); ``calls`` lists the operations received."""

    def __init__(self, user: str = "admin", password: str = "cam-pass", rtsp_port: int = 554):
        self.user, self.password, self.rtsp_port = user, password, rtsp_port
        self.calls: list[str] = []
        self._httpd: _Server | None = None
        self.port = 0

    def start(self) -> FakeOnvifCamera:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
