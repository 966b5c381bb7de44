"""scripts/audit_dependencies.py: which installed packages count as audited, and what it reports (no network:
the PyPI project documents are fakes handed to the script as its fetch function)."""
from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / "scripts" / "audit_dependencies.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def vuln(vuln_id, fixed=("2.0",), aliases=(), withdrawn=None):
    return {"id": vuln_id, "aliases": list(aliases), "fixed_in": list(fixed), "withdrawn": withdrawn,
            "link": f"https://osv.dev/vulnerability/{vuln_id}", "details": "x", "source": "osv", "summary": None}


def project(latest, *vulns):
    return {"info": {"name": "x", "version": latest}, "vulnerabilities": list(vulns), "releases": {}}


def fake_fetch(docs, asked=None):
    def fetch(name):
        if asked is not None:
            asked.append(name)
        doc = docs[name]
        if isinstance(doc, Exception):
            raise doc
        return doc
    return fetch


def test_latest_version_with_a_vulnerability_is_a_finding(audit):
    doc = project("2.6.1", vuln("PYSEC-2017-94", fixed=(), aliases=["CVE-2013-7459", "GHSA-cq27"]),
                  vuln("GHSA-cq27", fixed=(), aliases=["CVE-2013-7459", "PYSEC-2017-94"]))  # one vuln, two ids
    out = audit.check_project("pycrypto", "2.6.1", fake_fetch({"pycrypto": doc}))
    assert out.audited and out.latest == "2.6.1"
    assert [(f.name, f.version, f.id, f.fixed_in, f.link) for f in out.findings] == [
        ("pycrypto", "2.6.1", "PYSEC-2017-94", [], "https://osv.dev/vulnerability/PYSEC-2017-94")]
    lines, code = audit.report_lines([out])
    assert code == 1
    assert lines[0] == ("VULNERABLE pycrypto 2.6.1: PYSEC-2017-94 (fixed in: no fixed version) "
                        "https://osv.dev/vulnerability/PYSEC-2017-94 [PyPI project data]")
    assert lines[-1].endswith("vulnerabilities: 1")


@pytest.mark.parametrize("installed, latest", [("3.1.6", "3.1.6"), ("1.0", "1.0.0")])
def test_latest_version_without_vulnerabilities_is_audited_clean(audit, installed, latest):
    out = audit.check_project("jinja2", installed, fake_fetch({"jinja2": project(latest)}))
    assert out.audited and out.findings == []
    lines, code = audit.report_lines([out])
    assert code == 0
    assert lines == ["dependency audit: 1 of 1 packages audited (pip-audit: 0, PyPI project data: 1); "
                     "0 not audited: none; vulnerabilities: 0"]


@pytest.mark.parametrize("installed", ["1.4.0", "2.1.0rc1"])
def test_a_version_other_than_the_latest_is_not_audited_even_if_the_latest_has_vulnerabilities(audit, installed):
    docs = {"old": project("2.0.0", vuln("PYSEC-1")), "cur": project("1.0")}
    outs = [audit.check_project("old", installed, fake_fetch(docs)), audit.check_project("cur", "1.0", fake_fetch(docs))]
    assert not outs[0].audited and outs[0].findings == [] and outs[0].latest == "2.0.0"
    assert f"installed {installed}, PyPI's latest is 2.0.0" in outs[0].reason
    lines, code = audit.report_lines(outs)
    assert code == 0
    assert f"NOT AUDITED old {installed}: installed {installed}, PyPI's latest is 2.0.0" in lines[0]
    assert lines[-1] == (f"dependency audit: 1 of 2 packages audited (pip-audit: 0, PyPI project data: 1); "
                         f"1 not audited: old {installed} (latest 2.0.0); vulnerabilities: 0")


def test_withdrawn_and_ignored_vulnerabilities_do_not_count(audit, monkeypatch):
    monkeypatch.setattr(audit, "IGNORED", {"PYSEC-IGN": "not reachable", "CVE-2020-1": "not used"})
    doc = project("5.0", vuln("PYSEC-W", withdrawn="2024-01-01T00:00:00Z"), vuln("PYSEC-IGN"),
                  vuln("GHSA-x", aliases=["CVE-2020-1"]), vuln("PYSEC-REAL"))
    out = audit.check_project("p", "5.0", fake_fetch({"p": doc}))
    assert out.audited and [f.id for f in out.findings] == ["PYSEC-REAL"] and out.ignored == 2
    clean = audit.check_project("p", "5.0", fake_fetch({"p": project("5.0", vuln("PYSEC-W", withdrawn="2024"),
                                                                     vuln("PYSEC-IGN"))}))
    lines, code = audit.report_lines([clean])
    assert code == 0 and lines[-1].endswith("vulnerabilities: 0 (1 ignored by decision)")


@pytest.mark.parametrize("doc", [OSError("HTTP Error 404: Not Found"), {"info": {"version": "1.0"}},
                                 {"unexpected": True}])
def test_no_usable_project_data_is_not_audited(audit, doc):
    out = audit.check_project("p", "1.0", fake_fetch({"p": doc}))
    assert not out.audited and out.findings == []


def test_nothing_audited_says_the_audit_did_not_run(audit):
    outs = audit.audit({"a": "1.0", "b": "2.0"}, None, fake_fetch({"a": OSError("connection refused"),
                                                                    "b": OSError("connection refused")}))
    lines, code = audit.report_lines(outs, "did not run (no network)")
    assert code == 0 and len(lines) == 1
    assert lines[0].startswith("DEPENDENCY AUDIT DID NOT RUN: none of the 2 installed packages could be audited")
    assert "connection refused" in lines[0] and "no network" in lines[0]


def test_pypi_data_is_asked_only_for_what_pip_audit_did_not_audit(audit):
    report = {"dependencies": [
        {"name": "Flask", "version": "3.0.0", "vulns": [{"id": "GHSA-f", "fix_versions": ["3.0.1"], "aliases": []}]},
        {"name": "alembic", "skip_reason": "Dependency not found on PyPI and could not be audited: alembic (1.20.1)"},
        {"name": "civicwatch", "skip_reason": "could not audit editable"}]}
    asked = []
    docs = {"alembic": project("1.20.1"), "numpy": project("2.5.5")}
    outs = audit.audit({"alembic": "1.20.1", "flask": "3.0.0", "numpy": "2.4.6"}, report, fake_fetch(docs, asked))
    assert sorted(asked) == ["alembic", "numpy"]
    assert [(o.name, o.audited, o.source) for o in outs] == [
        ("alembic", True, "PyPI project data"), ("flask", True, "pip-audit"), ("numpy", False, "PyPI project data")]
    lines, code = audit.report_lines(outs)
    assert code == 1
    assert lines[0].startswith("VULNERABLE flask 3.0.0: GHSA-f (fixed in: 3.0.1)")
    assert lines[-1] == ("dependency audit: 2 of 3 packages audited (pip-audit: 1, PyPI project data: 1); "
                         "1 not audited: numpy 2.4.6 (latest 2.5.5); vulnerabilities: 1")


def test_a_project_that_does_not_answer_within_the_budget_is_not_audited(audit):
    release = threading.Event()

    def fetch(name):
        if name == "slow":
            release.wait(10)
        return project("1.0")
    try:
        outs = audit.check_projects({"fast": "1.0", "slow": "1.0"}, fetch, threads=2, budget_s=0.3)
    finally:
        release.set()
    assert [(o.name, o.audited) for o in outs] == [("fast", True), ("slow", False)]
    assert "budget" in outs[1].reason


def test_malformed_vulnerability_data_is_not_audited(audit):
    outs = audit.check_projects({"p": "1.0"}, fake_fetch({"p": project("1.0", {"no_id": 1})}))
    assert not outs[0].audited and "unreadable" in outs[0].reason


def test_installed_distributions_are_this_venvs_without_civicwatch(audit):
    dists = audit.installed_distributions()
    assert "civicwatch" not in dists
    assert "flask" in dists and "pip-audit" in dists
    assert all(name == audit.canonical(name) for name in dists)
