"""Limits on the documents the service agrees to run, each refusal with its own error code.

Depth and aliases are counted here rather than by Strawberry's ``QueryDepthLimiter`` and
``MaxAliasesLimiter``: those walk into a fragment every time it is spread, so a document of
a few hundred tokens whose fragments each spread the next one twice (2^25 paths) kept a worker
busy for minutes. Here each fragment is measured once and its result reused (linear time); the
numbers are the same: depth counts nested selections (introspection fields excluded, a leaf is
0), aliases count every aliased field the operation would resolve, through its fragments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)

from schema.core.error_codes import ErrorCode

Measure = Callable[[SelectionSetNode | None, "_Memo"], int]


class _Memo:
    """One measure of the fragments of a document, each computed once (cycles count 0: the
    spec's own rule refuses them)."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], measure: Measure) -> None:
        self.fragments = fragments
        self.measure = measure
        self.values: dict[str, int] = {}

    def fragment(self, name: str) -> int:
        if name not in self.values:
            self.values[name] = 0
            definition = self.fragments.get(name)
            if definition is not None:
                self.values[name] = self.measure(definition.selection_set, self)
        return self.values[name]


def _depth(selections: SelectionSetNode | None, memo: _Memo) -> int:
    deepest = 0
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode):
            if selection.name.value.startswith("__") or selection.selection_set is None:
                continue
            deepest = max(deepest, 1 + _depth(selection.selection_set, memo))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, memo))
        elif isinstance(selection, FragmentSpreadNode):
            deepest = max(deepest, memo.fragment(selection.name.value))
    return deepest


def _aliases(selections: SelectionSetNode | None, memo: _Memo) -> int:
    count = 0
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode):
            count += (selection.alias is not None) + _aliases(selection.selection_set, memo)
        elif isinstance(selection, InlineFragmentNode):
            count += _aliases(selection.selection_set, memo)
        elif isinstance(selection, FragmentSpreadNode):
            count += memo.fragment(selection.name.value)
    return count


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _limit_rule(
    measure: Measure, limit: int, code: ErrorCode, message: Callable[[str, int], str]
) -> type[ASTValidationRule]:
    class LimitRule(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            memo = _Memo(_fragments(document), measure)
            for operation in document.definitions:
                if not isinstance(operation, OperationDefinitionNode):
                    continue
                value = measure(operation.selection_set, memo)
                if value > limit:
                    name = operation.name.value if operation.name else "anonymous"
                    context.report_error(
                        GraphQLError(message(name, value), [operation], extensions={"code": code})
                    )

    return LimitRule


def limit_rules(*, max_depth: int, max_aliases: int) -> list[type[ASTValidationRule]]:
    """Depth and alias rules with their codes.

    Built once per schema: the validation cache keys on the rule classes.
    """
    return [
        _limit_rule(
            _depth,
            max_depth,
            ErrorCode.QUERY_TOO_DEEP,
            lambda name, depth: f"'{name}' is {depth} levels deep, over the maximum of {max_depth}",
        ),
        _limit_rule(
            _aliases,
            max_aliases,
            ErrorCode.TOO_MANY_ALIASES,
            lambda _, count: f"{count} aliases found. Allowed: {max_aliases}",
        ),
    ]


__all__ = ["limit_rules"]
