"""A status changes in one place: only the transition modules assign a status field (README,
"Statuses"). An AST walk over the project finds every other write: ``x.status = …``, a
``status=`` keyword to ``update``/``create``/``get_or_create``/``update_or_create``/a model's
constructor (unless the value is ``initial(...)``, which checks it is a table's starting status),
and a ``"status"`` key in ``defaults``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("common", "mappings", "exchange", "orders", "shipments", "gateway", "operations", "jakamo_portal", "bench")
STATUS_FIELDS = {"status", "decision", "state"}
TRANSITION_MODULES = {
    "common/transitions.py",
    "orders/transitions.py",
    "shipments/transitions.py",
    "exchange/transitions.py",
}
EXEMPT = {
    # Made-up history for load tests, built in bulk in its final statuses (the exchange rows through
    # exchange.transitions.create_history); never a real order's state.
    "orders/purchase/generate.py": "volume data",
}
WRITING_CALLS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def _is_initial(value: ast.AST) -> bool:
    return isinstance(value, ast.Call) and getattr(value.func, "attr", getattr(value.func, "id", "")) == "initial"


def _lifecycle_models() -> dict[str, set[str]]:
    """Model name -> its status fields (a status/decision/state field with choices; an HTTP status
    code kept in a log is not a lifecycle)."""
    return {
        m.__name__: {f.name for f in m._meta.concrete_fields if f.name in STATUS_FIELDS and f.choices}
        for m in apps.get_models()
    }


def _model_of(call: ast.Call) -> str | None:
    """``Model`` of ``Model(...)`` or ``Model.objects.<method>(...)``; None when not that plain."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    owner = getattr(func, "value", None)
    if isinstance(owner, ast.Attribute) and owner.attr == "objects" and isinstance(owner.value, ast.Name):
        return owner.value.id
    return None


def _writes(tree: ast.AST, models: dict[str, set[str]] | None = None):
    models = _lifecycle_models() if models is None else models
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in ast.walk(target):
                    own = isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                    if (
                        isinstance(t, ast.Attribute)
                        and t.attr in STATUS_FIELDS
                        and isinstance(t.ctx, ast.Store)
                        and not own
                    ):
                        yield node.lineno, f".{t.attr} = …"
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            owner = getattr(node.func, "value", None)
            if isinstance(owner, ast.Name) and owner.id == "transitions":
                continue  # a transition module's own create/move: it checks the status itself
            model = _model_of(node)
            model_like = isinstance(node.func, ast.Name) and name in models
            fields = models.get(model, set()) if model in models else STATUS_FIELDS
            if name in WRITING_CALLS or model_like:
                for kw in node.keywords:
                    if kw.arg in fields and not _is_initial(kw.value):
                        yield node.lineno, f"{name}({kw.arg}=…)"
                    if kw.arg == "defaults" and isinstance(kw.value, ast.Dict):
                        for key, value in zip(kw.value.keys, kw.value.values, strict=True):
                            if isinstance(key, ast.Constant) and key.value in STATUS_FIELDS and not _is_initial(value):
                                yield node.lineno, f"defaults={{{key.value!r}: …}}"
            if name == "bulk_update" and len(node.args) > 1 and isinstance(node.args[1], (ast.List, ast.Tuple)):
                fields = {e.value for e in node.args[1].elts if isinstance(e, ast.Constant)}
                if fields & STATUS_FIELDS:
                    yield node.lineno, "bulk_update(…, ['status'])"


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in TRANSITION_MODULES or rel in EXEMPT:
                continue
            yield rel, path


def test_only_the_transition_modules_assign_a_status():
    found = [
        f"{rel}:{line}: {what}"
        for rel, path in _sources()
        for line, what in _writes(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not found, "status written outside the transition modules:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "order.status = 'x'",
        "Order.objects.filter(pk=1).update(status='x')",
        "Line.objects.update_or_create(pk=1, defaults={'status': 'x'})",
        "Order(status='x')",
        "Line.objects.bulk_update(rows, ['status'])",
        "c.decision = 'accepted'",
    ],
)
def test_the_walk_sees_a_status_write(source):
    assert list(_writes(ast.parse(source), {"Order": {"status", "decision"}, "Line": {"status"}}))


def test_the_walk_lets_reads_and_initial_statuses_pass():
    source = (
        "Order.objects.filter(status='x'); Order.objects.create(status=initial(T, 'x')); JsonResponse({}, status=400)"
    )
    assert list(_writes(ast.parse(source), {"Order": {"status"}})) == []


def test_the_readme_shows_the_tables_as_the_code_has_them():
    from django.utils import translation

    from jakamo_portal.management.commands.transitions import markdown_tables

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- transitions:start -->")[1].split("<!-- transitions:end -->")[0]
    with translation.override("en"):
        assert shown.strip() == markdown_tables().strip(), "run `manage.py transitions --markdown` into the README"
