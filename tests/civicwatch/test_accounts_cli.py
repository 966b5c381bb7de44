"""``civicwatch user add|list`` and ``civicwatch token create|list|revoke``."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.accounts import User
from models.clock import utcnow
from models.context import AppContext
from models.config import load_config
from models.security import resolve_token, verify_password

from tests.factories import make_registry

from .cli_helpers import run, write_config


@pytest.fixture
def config(tmp_path, db_url):
    path = write_config(tmp_path, db_url)
    assert run(path, "db", "upgrade").exit_code == 0
    ctx = AppContext.from_config(load_config(path))
    with ctx.sessions.begin() as s:
        make_registry(s)  # units U-CGJ, U-XC, U-XC-NQ, U-LW
    ctx.engine.dispose()
    return path


def _sessions(path):
    return AppContext.from_config(load_config(path))


def test_token_create_prints_only_the_token_and_it_resolves(config):
    result = run(config, "token", "create", "--role", "wall", "--name", "lobby screen", "--days", "30")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    token = lines[0]
    assert token.startswith("cw_") and len(token) > 30 and " " not in token
    ctx = _sessions(config)
    with ctx.sessions() as s:
        row = resolve_token(s, token)
        assert row is not None and row.role == "wall" and row.name == "lobby screen"
        assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
        assert resolve_token(s, token + "x") is None
    listing = run(config, "token", "list").stdout
    assert token[:10] in listing and token not in listing
    result = run(config, "token", "revoke", token[:8])
    assert result.exit_code == 0 and "revoked" in result.stdout
    with ctx.sessions() as s:
        assert resolve_token(s, token) is None
    assert run(config, "token", "revoke", token[:8]).exit_code == 2
    ctx.engine.dispose()


def test_token_for_a_unit_needs_a_known_unit(config):
    result = run(config, "token", "create", "--role", "unit")
    assert result.exit_code == 2 and "needs --unit" in result.stderr and result.stdout == ""
    result = run(config, "token", "create", "--role", "unit", "--unit", "NOPE")
    assert result.exit_code == 2 and "unknown unit code 'NOPE'" in result.stderr
    result = run(config, "token", "create", "--role", "edge", "--days", "0")
    ctx = _sessions(config)
    with ctx.sessions() as s:
        assert resolve_token(s, result.stdout.strip()).expires_at is None
    ctx.engine.dispose()


def test_user_add_with_password_from_stdin_and_list(config):
    result = run(config, "user", "add", "alice", "--role", "unit", "--unit", "U-XC-NQ", "--password-stdin",
                 input="correct horse battery\n")
    assert result.exit_code == 0, result.output
    assert "correct horse battery" not in result.output
    ctx = _sessions(config)
    with ctx.sessions() as s:
        alice = s.scalar(select(User).where(User.username == "alice"))
        assert alice.role == "unit" and alice.unit.code == "U-XC-NQ"
        assert alice.password_hash.startswith("$argon2id$")
        assert verify_password(alice.password_hash, "correct horse battery")
    ctx.engine.dispose()
    listing = run(config, "user", "list").stdout
    assert "alice" in listing and "U-XC-NQ" in listing and "argon2" not in listing
    again = run(config, "user", "add", "alice", "--role", "viewer", "--password-stdin", input="another password\n")
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_user_add_prompts_twice_hidden(config):
    result = run(config, "user", "add", "bob", "--role", "supervisor", input="s3cret-enough\ns3cret-enough\n")
    assert result.exit_code == 0, result.output
    assert "s3cret-enough" not in result.output  # hidden input is not echoed
    mismatch = run(config, "user", "add", "carol", "--role", "viewer",
                   input="first-password\nsecond-password\nthird-password\nthird-password\n")
    assert mismatch.exit_code == 0 and "match" in mismatch.output.lower()
    short = run(config, "user", "add", "dave", "--role", "viewer", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "too short" in short.stderr
    wall = run(config, "user", "add", "screen", "--role", "wall", "--password-stdin", input="long-enough-pw\n")
    assert wall.exit_code == 2 and "token" in wall.stderr
    ctx = _sessions(config)
    with ctx.sessions() as s:
        names = set(s.scalars(select(User.username)))
    ctx.engine.dispose()
    assert names == {"bob", "carol"}
