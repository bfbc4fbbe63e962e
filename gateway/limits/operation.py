"""Validation rules that bound the shape of an operation: depth, aliases and root
fields, each per role; and introspection, refused to anonymous callers in production.

Each fragment is measured once (memoised), so a document that spreads fragments into
fragments costs linear time to check however large it would expand; a fragment cycle
is cut here and refused by graphql-core's own NoFragmentCyclesRule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
)

from gateway.auth.errors import AuthError
from gateway.errors import BadUserInput


class OperationLimitExceeded(BadUserInput):
    """A document beyond one of the caller's operation limits (code BAD_USER_INPUT;
    ``extensions.limit``, ``maximum`` and ``value`` say which and by how much)."""


def limit_error(
    limit: str, maximum: int, value: int, message: str, nodes: list[Node] | None = None
) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=nodes,
        original_error=OperationLimitExceeded(message),
        extensions={"limit": limit, "maximum": maximum, "value": value},
    )


@dataclass
class _Measure:
    """Depth and aliases of selection sets, fragments measured once each."""

    fragments: dict[str, FragmentDefinitionNode]
    memo: dict[str, tuple[int, int]] = field(default_factory=dict)
    visiting: set[str] = field(default_factory=set)

    def selection_set(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        """(depth, aliases) below a selection set: depth counts the fields on the
        longest path, leaf included, introspection fields (and what is below them) not
        at all, so GraphiQL's introspection query passes every role's depth."""
        depth = aliases = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                inner_depth, inner_aliases = self.selection_set(selection.selection_set)
                aliases += inner_aliases + (1 if selection.alias else 0)
                if not selection.name.value.startswith("__"):  # introspection: no depth
                    depth = max(depth, 1 + inner_depth)
            elif isinstance(selection, InlineFragmentNode):
                inner_depth, inner_aliases = self.selection_set(selection.selection_set)
                depth, aliases = max(depth, inner_depth), aliases + inner_aliases
            elif isinstance(selection, FragmentSpreadNode):
                inner_depth, inner_aliases = self.fragment(selection.name.value)
                depth, aliases = max(depth, inner_depth), aliases + inner_aliases
        return depth, aliases

    def fragment(self, name: str) -> tuple[int, int]:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0, 0  # unknown or cyclic: graphql-core's own rules refuse it
        self.visiting.add(name)
        self.memo[name] = self.selection_set(definition.selection_set)
        self.visiting.discard(name)
        return self.memo[name]

    def root_fields(self, selection_set: SelectionSetNode, seen: frozenset[str]) -> int:
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += 0 if selection.name.value.startswith("__") else 1
            elif isinstance(selection, InlineFragmentNode):
                count += self.root_fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                definition = self.fragments.get(selection.name.value)
                if definition is not None and definition.name.value not in seen:
                    count += self.root_fields(
                        definition.selection_set, seen | {definition.name.value}
                    )
        return count


def _measure(document: DocumentNode) -> _Measure:
    return _Measure(
        {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    )


@cache
def operation_limits_rule(depth: int, aliases: int, root_fields: int) -> type[ASTValidationRule]:
    """The validation rule for these limits; one class per set of limits, so the
    validation cache keeps the results of different roles apart."""

    class OperationLimitsRule(ASTValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            measure = _measure(self.context.document)
            name = f"'{node.name.value}'" if node.name else "The operation"
            found_depth, found_aliases = measure.selection_set(node.selection_set)
            if found_depth > depth:
                self.report_error(
                    limit_error(
                        "depth",
                        depth,
                        found_depth,
                        f"{name} is {found_depth} fields deep: at most {depth} are allowed. "
                        "Ask for fewer nested levels, or fetch the deeper objects by id.",
                        [node],
                    )
                )
            if found_aliases > aliases:
                self.report_error(
                    limit_error(
                        "aliases",
                        aliases,
                        found_aliases,
                        f"{name} has {found_aliases} aliases: at most {aliases} are allowed. "
                        "Use a list argument (e.g. nodes(ids:)) or several requests.",
                        [node],
                    )
                )
            found_roots = measure.root_fields(node.selection_set, frozenset())
            if found_roots > root_fields:
                self.report_error(
                    limit_error(
                        "rootFields",
                        root_fields,
                        found_roots,
                        f"{name} asks for {found_roots} root fields: at most {root_fields} "
                        "are allowed in one operation.",
                        [node],
                    )
                )
            return self.SKIP  # type: ignore[return-value]  # nothing below needs visiting

    return OperationLimitsRule


class IntrospectionNeedsCredentials(AuthError):
    """Production answers introspection only to signed-in callers (UNAUTHENTICATED)."""


class NoAnonymousIntrospectionRule(ASTValidationRule):
    """``__schema`` and ``__type`` refused, as graphql-core's NoSchemaIntrospectionCustomRule
    does, but with our code and a message that says how to get them."""

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            message = (
                "Introspection needs credentials here: send 'Authorization: Bearer <token>' "
                "(in GraphiQL, in the Headers pane)."
            )
            self.report_error(
                GraphQLError(
                    message, nodes=[node], original_error=IntrospectionNeedsCredentials(message)
                )
            )
