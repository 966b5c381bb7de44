#!/usr/bin/env python3
"""Audit the installed Python dependencies for known vulnerabilities, honestly.

Run by ``.ci/run`` before the tests: ``.venv/bin/python scripts/audit_dependencies.py``.

Two sources, in this order:

1. pip-audit (``--service pypi``, the default, asks ``/pypi/<name>/<version>/json``; or ``osv``).
2. For every installed distribution pip-audit could not audit (all of them when it audited nothing, e.g.
   behind a PyPI proxy that answers 404 for per-version documents): PyPI's project document
   ``/pypi/<name>/json``. Its ``vulnerabilities`` list describes the project's LATEST release
   (``info.version``) only, so it audits the installed distribution only when the installed version IS
   that release. An older (or newer, pre-release) installed version is reported as NOT audited, with the
   installed and the latest version; so is a project whose document cannot be fetched or carries no
   ``vulnerabilities`` list (a missing list is not read as "no vulnerabilities").

Withdrawn vulnerabilities and the ids (or aliases) in IGNORED below do not count.

- Vulnerabilities found in an audited package: exit 1, listing package, version, id, fixed versions, link.
- Nothing at all could be audited (no network, DNS, pip-audit missing and PyPI unreachable): printed
  loudly ("DEPENDENCY AUDIT DID NOT RUN") with the reasons, exit 0 — CI must not fail on the network,
  but nobody may read it as "no vulnerabilities".
- Otherwise one summary line ("dependency audit: N of M packages audited (...); K not audited: ...;
  vulnerabilities: V"), exit 0.

The distributions audited are those of the interpreter running this script (``importlib.metadata``),
without CivicWatch itself and editable installs.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# Known vulnerabilities assessed as not applicable to CivicWatch. Each entry: id → why (keep it short and
# specific; remove the entry when the package is upgraded). Empty: nothing is ignored.
IGNORED: dict[str, str] = {
}

PROJECT = "civicwatch"
FETCH_THREADS = 8
FETCH_BUDGET_S = 40.0  # all project documents together; what has not answered by then is not audited
PIP_AUDIT_LIMIT_S = 300

Fetch = Callable[[str], dict]


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def same_version(a: str, b: str) -> bool:
    try:
        from packaging.version import InvalidVersion, Version
    except ImportError:
        return a == b
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def installed_distributions() -> dict[str, str]:
    """canonical name → version of the distributions this interpreter sees, without CivicWatch and editables."""
    found: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if not name or canonical(name) == PROJECT:
            continue
        direct = dist.read_text("direct_url.json")
        if direct:
            try:
                if json.loads(direct).get("dir_info", {}).get("editable"):
                    continue
            except ValueError:
                pass
        found.setdefault(canonical(name), dist.version)
    return dict(sorted(found.items()))


@dataclass
class Finding:
    name: str
    version: str
    id: str
    fixed_in: list[str]
    link: str
    source: str


@dataclass
class Outcome:
    """What one source said about one installed distribution."""
    name: str
    version: str
    audited: bool
    source: str  # "pip-audit" or "PyPI project data"
    reason: str = ""  # why not audited
    latest: str | None = None
    findings: list[Finding] = field(default_factory=list)
    ignored: int = 0


def is_ignored(vuln_id: str, aliases: list[str] | None) -> bool:
    return vuln_id in IGNORED or bool(set(aliases or ()) & set(IGNORED))


def check_project(name: str, version: str, fetch: Fetch) -> Outcome:
    """Audit one installed distribution against PyPI's project document (``fetch(name)`` returns it)."""
    src = "PyPI project data"
    try:
        doc = fetch(name)
        latest = str(doc["info"]["version"])
    except Exception as exc:  # noqa: BLE001 — any failure means: not audited, with the reason
        return Outcome(name, version, False, src, reason=f"no PyPI project data: {exc}")
    vulns = doc.get("vulnerabilities")
    if not isinstance(vulns, list):
        return Outcome(name, version, False, src, reason="PyPI project data carries no vulnerability list",
                       latest=latest)
    if not same_version(version, latest):
        return Outcome(name, version, False, src, latest=latest,
                       reason=f"installed {version}, PyPI's latest is {latest}; its vulnerability data covers "
                              f"{latest} only")
    out = Outcome(name, version, True, src, latest=latest)
    seen: set[str] = set()  # PyPI lists one vulnerability under several ids (PYSEC-… and its GHSA-… alias)
    for vuln in vulns:
        if vuln.get("withdrawn") or vuln["id"] in seen:
            continue
        seen.update([vuln["id"], *(vuln.get("aliases") or ())])
        if is_ignored(vuln["id"], vuln.get("aliases")):
            out.ignored += 1
            continue
        out.findings.append(Finding(name, version, vuln["id"], list(vuln.get("fixed_in") or []),
                                    vuln.get("link") or "", src))
    return out


def check_projects(dists: dict[str, str], fetch: Fetch, threads: int = FETCH_THREADS,
                   budget_s: float = FETCH_BUDGET_S) -> list[Outcome]:
    """check_project for each distribution, a few at a time; what has not answered within budget_s is not audited."""
    pool = ThreadPoolExecutor(max_workers=threads)
    futures = {name: pool.submit(check_project, name, version, fetch) for name, version in dists.items()}
    wait(futures.values(), timeout=budget_s)
    pool.shutdown(wait=False, cancel_futures=True)
    results = []
    for name, fut in futures.items():
        if fut.done() and not fut.cancelled() and fut.exception() is None:
            results.append(fut.result())
        elif fut.done() and not fut.cancelled():
            results.append(Outcome(name, dists[name], False, "PyPI project data",
                                   reason=f"unreadable PyPI project data: {fut.exception()!r}"))
        else:
            results.append(Outcome(name, dists[name], False, "PyPI project data",
                                   reason=f"no PyPI answer within the {budget_s:.0f} s budget"))
    return results


def pypi_fetcher(base_url: str, timeout_s: float) -> Fetch:
    def fetch(name: str) -> dict:
        url = f"{base_url.rstrip('/')}/pypi/{urllib.parse.quote(name)}/json"
        req = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": "civicwatch-audit_dependencies"})
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            return json.load(resp)
    return fetch


def run_pip_audit(service: str, timeout_s: int) -> tuple[dict | None, str]:
    """(pip-audit's JSON report or None, why there is none)."""
    try:
        import pip_audit  # noqa: F401
    except ImportError:
        return None, "pip-audit is not installed (pip install -e '.[test]')"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [sys.executable, "-m", "pip_audit", "--local", "--skip-editable", "--progress-spinner", "off",
               "--vulnerability-service", service, "--timeout", str(timeout_s), "--format", "json", "--output", str(out)]
        for vuln_id in IGNORED:
            cmd += ["--ignore-vuln", vuln_id]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_AUDIT_LIMIT_S)
        except subprocess.TimeoutExpired:
            return None, f"pip-audit did not finish within {PIP_AUDIT_LIMIT_S} s"
        report = json.loads(out.read_text()) if out.exists() and out.stat().st_size else None
    err = (proc.stderr or "").strip()
    return report, (err.splitlines()[-1] if err else f"pip-audit exited {proc.returncode} without a report")


def pip_audit_outcomes(report: dict | None, dists: dict[str, str]) -> dict[str, Outcome]:
    """The installed distributions pip-audit audited (skipped ones are left to the PyPI project data)."""
    outcomes: dict[str, Outcome] = {}
    for dep in (report or {}).get("dependencies", []):
        name = canonical(dep["name"])
        if "skip_reason" in dep or name not in dists:
            continue
        out = Outcome(name, dep["version"], True, "pip-audit")
        for vuln in dep.get("vulns", []):
            if is_ignored(vuln["id"], vuln.get("aliases")):
                out.ignored += 1
                continue
            out.findings.append(Finding(name, dep["version"], vuln["id"], list(vuln.get("fix_versions", [])),
                                        f"https://osv.dev/vulnerability/{vuln['id']}", "pip-audit"))
        outcomes[name] = out
    return outcomes


def pip_audit_note(report: dict | None, err: str) -> str:
    if report is None:
        return f"did not run ({err})"
    skipped = [d for d in report.get("dependencies", []) if "skip_reason" in d and "editable" not in d["skip_reason"]]
    return f"ran, {len(skipped)} packages unknown to its service" + (f" (e.g. {skipped[0]['skip_reason']})" if skipped else "")


def audit(dists: dict[str, str], pip_report: dict | None, fetch: Fetch, **kw) -> list[Outcome]:
    """One outcome per installed distribution: pip-audit's where it audited, else PyPI's project data."""
    by_pip = pip_audit_outcomes(pip_report, dists)
    rest = {name: version for name, version in dists.items() if name not in by_pip}
    by_pypi = {o.name: o for o in check_projects(rest, fetch, **kw)} if rest else {}
    return [by_pip.get(name) or by_pypi[name] for name in dists]


def report_lines(outcomes: list[Outcome], pip_note: str = "") -> tuple[list[str], int]:
    """(lines to print, exit code)."""
    audited = [o for o in outcomes if o.audited]
    missed = [o for o in outcomes if not o.audited]
    findings = [f for o in audited for f in o.findings]
    lines = []
    if not audited:
        no_data = sum(o.latest is None for o in missed)
        example = f" Example: {missed[0].name} {missed[0].version}: {missed[0].reason}." if missed else ""
        lines.append(f"DEPENDENCY AUDIT DID NOT RUN: none of the {len(outcomes)} installed packages could be "
                     f"audited; nothing was checked. pip-audit: {pip_note or 'audited none'}; PyPI project data: "
                     f"{no_data} without data, {len(missed) - no_data} not at the latest version.{example}")
        return lines, 0
    for f in findings:
        fixes = ", ".join(f.fixed_in) or "no fixed version"
        lines.append(f"VULNERABLE {f.name} {f.version}: {f.id} (fixed in: {fixes}) {f.link} [{f.source}]")
    for o in missed:
        lines.append(f"NOT AUDITED {o.name} {o.version}: {o.reason}")
    n_pip = sum(o.source == "pip-audit" for o in audited)
    n_pypi = len(audited) - n_pip
    not_audited = ", ".join(f"{o.name} {o.version}" + (f" (latest {o.latest})" if o.latest else " (no data)")
                            for o in missed) or "none"
    ignored = sum(o.ignored for o in audited)
    lines.append(f"dependency audit: {len(audited)} of {len(outcomes)} packages audited (pip-audit: {n_pip}, "
                 f"PyPI project data: {n_pypi}); {len(missed)} not audited: {not_audited}; "
                 f"vulnerabilities: {len(findings)}" + (f" ({ignored} ignored by decision)" if ignored else ""))
    return lines, 1 if findings else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--service", default="pypi", choices=("pypi", "osv"), help="pip-audit's vulnerability service")
    parser.add_argument("--timeout", type=int, default=10, help="seconds per request to a service")
    parser.add_argument("--pypi-url", default="https://pypi.org", help="PyPI for the project documents")
    args = parser.parse_args()
    started = time.monotonic()
    dists = installed_distributions()
    pip_report, pip_err = run_pip_audit(args.service, args.timeout)
    pip_note = pip_audit_note(pip_report, pip_err)
    outcomes = audit(dists, pip_report, pypi_fetcher(args.pypi_url, min(args.timeout, 10)))
    lines, code = report_lines(outcomes, pip_note)
    print("\n".join(lines))
    print(f"(dependency audit took {time.monotonic() - started:.1f} s)", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
