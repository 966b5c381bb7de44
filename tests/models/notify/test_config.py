"""The ``notify`` config section: bad values are named with their key path."""
from __future__ import annotations

import pytest

from models.config import ConfigError, parse_config


@pytest.mark.parametrize("section, words", [
    ({"channels": [{"name": "a", "kind": "log"}, {"name": "a", "kind": "log"}]}, "duplicate channel name(s) a"),
    ({"channels": [{"name": "a", "kind": "fax"}]}, "notify.channels[0].kind"),
    ({"channels": [{"name": "a", "kind": "log"}], "center": [{"channel": "b"}]}, "center[0]: unknown channel 'b'"),
    ({"citizen_channel": "sms"}, "citizen_channel: unknown channel 'sms'"),
    ({"quiet_hours": "22-7"}, "notify.quiet_hours: value error, expected hh:mm-hh:mm"),
    ({"briefing": {"daily_at": "8:30"}}, "notify.briefing.daily_at: value error, expected hh:mm (24 h), got '8:30'"),
    ({"deadline_soon_fraction": 1.5}, "notify.deadline_soon_fraction"),
    ({"channels": [{"name": "a", "kind": "log", "password": "x"}]}, "password"),  # secrets never in the file
])
def test_bad_notify_config_is_named(section, words):
    with pytest.raises(ConfigError) as err:
        parse_config({"notify": section})
    assert words in str(err.value)


def test_demo_config_has_the_log_sink():
    from models.config import load_config

    cfg = load_config("config.yaml").notify
    assert [(c.name, c.kind) for c in cfg.channels] == [("demo-log", "log")]
