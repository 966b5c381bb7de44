"""A citizen who left a phone and ticked 「受理和办结时短信告知我」 is told when the 随手拍 is accepted and
closed — and only then; the web form's field and Open311 carry the consent."""
from __future__ import annotations

import io

from sqlalchemy import select

from models.cases import Case
from models.config import NotifyConfig
from models.notifications import Notification, ReporterConsent
from models.notify.settings import bind
from models.workflow import apply
from tests.dashboard.report.helpers import photo, shared_app

FIELDS = {"problem_type": "PT01", "description": "路口垃圾", "lon": "117.65", "lat": "24.51", "datum": "gcj02"}


def test_consent_from_the_web_form_and_the_messages_it_allows(tmp_path_factory):
    live = shared_app(tmp_path_factory, "consent")
    ctx = live.ctx
    try:
        cfg = NotifyConfig(channels=[{"name": "sms", "kind": "log"}], citizen_channel="sms", quiet_hours=None)
        ctx.config.notify = cfg
        bind(ctx.sessions, cfg)
        codes = {}
        for label, extra in (("agreed", {"phone": "13912345678", "notify_consent": "1"}),
                             ("silent", {"phone": "13912345679"}),
                             ("no-phone", {"notify_consent": "1"})):
            data = dict(FIELDS, **extra, photos=[(io.BytesIO(photo(seed=len(codes))), "p.jpg")])
            r = live.client.post("/api/v1/public/reports", data=data, content_type="multipart/form-data")
            assert r.status_code == 201, r.get_json()
            codes[label] = r.get_json()
        with ctx.sessions.begin() as s:
            consents = {c.case_id for c in s.scalars(select(ReporterConsent))}
            cases = {k: s.scalar(select(Case).where(Case.external_ref == v["tracking_code"])) for k, v in codes.items()}
            assert consents == {cases["agreed"].id}
            for case in cases.values():
                apply(s, case, "accept", actor="sup", actor_role="supervisor")
        with ctx.sessions() as s:
            told = s.scalars(select(Notification).where(Notification.event.like("citizen_%"))).all()
            assert [(n.event, n.recipient) for n in told] == [("citizen_accepted", "13912345678")]
            assert codes["agreed"]["tracking_code"] in told[0].body
    finally:
        ctx.stop()
