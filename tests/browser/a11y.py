"""The accessibility pass the browser journeys run on each page they visit: axe-core (from the npm
registry, package.json; `make test` installs it) runs inside the page, and a serious or critical
violation fails the journey with the rule, its help text and the elements it found."""

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def assert_accessible(page, where: str) -> None:
    """Run axe-core on the page as it is now; `where` names the page in the failure message."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is missing at {AXE}: `make test` installs it with npm (package.json)")
        pytest.skip("axe-core is not installed (npm ci; `make test` does it): the accessibility pass is skipped")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(v['nodes'])}" for v in blocking
    )
