"""Each domain refuses only with the codes of its enum, and docs/errors.md lists exactly those.

Codes are a class attribute of each ``DomainError`` subclass, shared by the domains (``NotFound``
is ``NOT_FOUND`` everywhere), so a type cannot say which domain raises them: this scan does.

The raises are read with ``ast`` (``raise X(...)``, ``raise X``, ``raise module.X(...)``) and each
name is resolved in its module, so a refusal class imported from core counts with its own code.
"""

from __future__ import annotations

import ast
import importlib
import re
from enum import StrEnum
from pathlib import Path
from types import ModuleType

import pytest

from resolvers.core.errors import DomainError
from resolvers.spaces.refusals import SpacesRefusal
from schema.spaces.types import SpaceErrorCode

ROOT = Path(__file__).resolve().parents[2]
ENUMS = {
    "access": "AccessRefusal",
    "accounts": "AccountsRefusal",
    "agenda": "AgendaRefusal",
    "catalogue": "CatalogueRefusal",
    "documents": "DocumentsRefusal",
    "messaging": "MessagingRefusal",
    "profile": "ProfileRefusal",
    "provisioning": "ProvisioningRefusal",
    "spaces": "SpacesRefusal",
}


def enum_of(domain: str) -> type[StrEnum]:
    found: type[StrEnum] = getattr(
        importlib.import_module(f"resolvers.{domain}.refusals"), ENUMS[domain]
    )
    return found


def _resolved(module: ModuleType, node: ast.expr) -> object:
    if isinstance(node, ast.Call):
        return _resolved(module, node.func)
    if isinstance(node, ast.Name):
        return getattr(module, node.id, None)
    if isinstance(node, ast.Attribute):
        owner = _resolved(module, node.value)
        return getattr(owner, node.attr, None) if owner is not None else None
    return None


def raised_codes(domain: str) -> dict[str, set[str]]:
    """Each code raised in the domain's package, with where."""
    codes: dict[str, set[str]] = {}
    for path in sorted((ROOT / "resolvers" / domain).rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        module = importlib.import_module(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Raise) or node.exc is None:
                continue
            raised = _resolved(module, node.exc)
            if isinstance(raised, type) and issubclass(raised, DomainError):
                if raised.__init__.__annotations__.get("code") == ENUMS[domain]:
                    continue  # the code is an argument typed with the enum: mypy checks it
                codes.setdefault(str(raised.code), set()).add(f"{name}:{node.lineno}")
    return codes


@pytest.mark.parametrize("domain", sorted(ENUMS))
def test_every_code_raised_is_in_its_domains_enum(domain: str) -> None:
    members = {member.value for member in enum_of(domain)}
    strays = {code: where for code, where in raised_codes(domain).items() if code not in members}
    assert not strays, f"{domain} raises codes outside {ENUMS[domain]}: {strays}"


def test_the_scan_sees_the_raises() -> None:
    """Guard against a scan that finds nothing and so passes everything."""
    assert set(raised_codes("spaces")) >= {"NOT_FOUND", "INVALID_CODE", "CODES_LOCKED"}
    assert "CONVERSATION_CLOSED" in raised_codes("messaging")


def test_the_doc_table_lists_each_domains_codes() -> None:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \(`(\w+)`\) \| (.*) \|$", text, flags=re.MULTILINE)
    documented = {domain: (enum, re.findall(r"`(\w+)`", codes)) for domain, enum, codes in rows}
    expected = {d: (ENUMS[d], [m.value for m in enum_of(d)]) for d in ENUMS}
    assert documented == expected


def test_the_spaces_graphql_enum_is_the_domains_enum() -> None:
    """``SpaceError.code`` is a GraphQL enum: a code outside it would reach clients as an error."""
    assert {c.value for c in SpaceErrorCode} == {c.value for c in SpacesRefusal}
