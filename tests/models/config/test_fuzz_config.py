"""Fuzzing the config loader: random and mutated YAML documents either load, or raise ``ConfigError`` whose
message names the file and the key (or line) that is wrong — never a bare KeyError/TypeError/traceback."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from models.config import AppConfig, ConfigError, load_config
from tests.fuzz_settings import fuzz

SHIPPED = yaml.safe_load(Path("config.yaml").read_text(encoding="utf-8"))
PRODUCTION = yaml.safe_load(Path("config.example-production.yaml").read_text(encoding="utf-8"))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["", "0", "-1", "1e309", "nan", "yes", "{data_dir}", "\x00", "../../etc/passwd", "端口"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)


def _paths(node, prefix=()):
    """Every (path, value) in a parsed document, containers included."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _parent(doc, path):
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def mutated_documents(draw):
    """A shipped config with 1–3 random edits: a value replaced, a key deleted or an unknown key added."""
    doc = copy.deepcopy(draw(st.sampled_from([SHIPPED, PRODUCTION])))
    touched = []
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p, _ in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(doc, path)
        op = draw(st.sampled_from(["replace", "delete", "add"]))
        if op == "replace":
            parent[path[-1]] = draw(values)
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            key = draw(st.text(min_size=1, max_size=12))
            parent[key] = draw(values)
            path = path[:-1] + (key,)
        else:
            parent.append(draw(values))
        touched.append(path)
    return doc, touched


def _shown_key(key) -> str:
    return key if isinstance(key, str) and key.isidentifier() else f"[{str(key)!r}]"


def _assert_clean_error(exc: ConfigError, path: Path) -> None:
    message = str(exc)
    assert message.startswith(str(path)), message  # names the file …
    assert "Traceback" not in message
    assert len(message.splitlines()) >= 1
    for line in message.splitlines()[1:]:  # … and every problem line names a key path and the expectation
        assert ": " in line.strip(), line


@given(mutated_documents())
@fuzz(120)
def test_mutated_config_loads_or_names_the_bad_key(tmp_path_factory, monkeypatch, case):
    monkeypatch.delenv("CIVICWATCH_DATABASE_URL", raising=False)
    doc, touched = case
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        _assert_clean_error(exc, path)
        lines = str(exc).splitlines()[1:]
        if lines and "top level" not in str(exc):
            # every reported key lies under a section that was edited
            tops = {_shown_key(p[0]) for p in touched}
            assert all(any(line.strip().startswith(t) for t in tops) for line in lines), (touched, lines)
    else:
        assert isinstance(cfg, AppConfig)
        cfg.database_url  # noqa: B018 - derived values work on whatever loaded


@given(st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.lists(st.sampled_from([b"server:", b"  port: ", b"8050", b"\n", b"- ", b"[", b"{", b"&a ", b"*a", b"!!python/object:os.system ",
                              b"feeds:\n  cameras:\n    - code: X\n", b"\t", b"? ", b": ", b"'", b'"', b"\xff\xfe",
                              b"database: ", b"url: ", b"!!binary ", b"<<: *a\n", b"\x00"]), max_size=40).map(b"".join),
))
@fuzz(200)
def test_random_bytes_load_or_raise_config_error(tmp_path_factory, monkeypatch, raw):
    monkeypatch.delenv("CIVICWATCH_DATABASE_URL", raising=False)
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_bytes(raw)
    try:
        load_config(path)
    except ConfigError as exc:
        _assert_clean_error(exc, path)


@given(values)
@fuzz(80)
def test_database_env_override_with_any_database_section(tmp_path_factory, monkeypatch, section):
    """``CIVICWATCH_DATABASE_URL`` merged into whatever the file has under ``database``."""
    monkeypatch.setenv("CIVICWATCH_DATABASE_URL", "sqlite:///x.db")
    path = tmp_path_factory.mktemp("cfg") / "config.yaml"
    path.write_text(yaml.safe_dump({"database": section}), encoding="utf-8")
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        _assert_clean_error(exc, path)
        assert "database" in str(exc)
    else:
        assert cfg.database_url == "sqlite:///x.db"


@pytest.mark.parametrize("text", [
    "[" * 5000,                       # deeply nested flow sequence
    "a: &a [*a]\n",                   # a list that contains itself
    "a: &x\n  b: *x\n",               # a mapping that contains itself
    "? [1, 2]\n: x\n",                # an unhashable (list) key
    "server: !!python/object/apply:os.system ['true']\n",
])
def test_hostile_yaml_is_a_config_error(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    _assert_clean_error(err.value, path)
