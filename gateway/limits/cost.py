"""The cost of an operation: estimated from the document before it runs, and counted
from the data it returned.

The rules (the README's Limits section repeats them):

- a scalar or enum field costs 0, and so does any introspection field (``__schema``,
  ``__type``, ``__typename``): none of them reads the database;
- an object costs 1, a root mutation field 10;
- a connection's ``edges`` are as many as its page size (``first``, or the default page
  size when absent); an edge costs nothing beyond its node;
- a list with a ``first`` argument holds ``first`` items, ``nodes(ids:)`` as many as
  ids; any other list of objects is assumed to hold ``ASSUMED_LIST_SIZE`` items, or the
  size ``LIST_SIZES`` gives where the domain bounds it;
- nested lists multiply: a list of N objects costs N times one object with its fields.

The estimate adds up every selection as written (fragments included, each computed
once), so it is an upper bound whenever lists hold no more than assumed. The actual
cost applies the same rules to the objects actually returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from graphql.utilities import get_operation_ast

OBJECT_COST = 1
MUTATION_COST = 10
ASSUMED_LIST_SIZE = 10
LIST_SIZES: dict[str, int] = {
    # The latest ECT and the latest mentor training: never more than two.
    "Teacher.enrolments": 2,
    # A participant id is rarely merged more than once.
    "Teacher.participantIdChanges": 1,
    # A teacher's career in the programme: a few schools, trainings, transfers.
    "Teacher.ectAtSchoolPeriods": 3,
    "Teacher.mentorAtSchoolPeriods": 3,
    "Teacher.inductionPeriods": 3,
    "Teacher.trainingPeriods": 5,
    "Teacher.transfers": 2,
    "AtSchoolPeriod.trainingPeriods": 3,
    "ECTAtSchoolPeriod.trainingPeriods": 3,
    "MentorAtSchoolPeriod.trainingPeriods": 3,
    "AtSchoolPeriod.mentorshipPeriods": 3,
    "ECTAtSchoolPeriod.mentorshipPeriods": 3,
    "MentorAtSchoolPeriod.mentorshipPeriods": 3,
    # A school partners with one or two providers in a cohort.
    "School.partnerships": 3,
}
"""Assumed sizes of lists that are neither connections nor take ``first``, where the
domain bounds them below ``ASSUMED_LIST_SIZE``."""

PageCheck = Callable[[int], int]
"""Checks a requested page size against the caller's cap (raising when it is beyond)."""

Composite = GraphQLObjectType | GraphQLInterfaceType


def _fields_of(type_: GraphQLNamedType | None) -> Mapping[str, GraphQLField]:
    return type_.fields if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType) else {}


def _is_connection(type_: GraphQLNamedType) -> bool:
    return type_.name.endswith("Connection")


def _is_edge(type_: GraphQLNamedType) -> bool:
    return type_.name.endswith("Edge")


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    default_page: int
    check_page: PageCheck
    memo: dict[tuple[str, int], int] = field(default_factory=dict)

    def argument(self, node: FieldNode, name: str) -> Any:
        """An argument's value as the request gives it (literal or variable), or None."""
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                return self.variables.get(value.name.value)
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, ListValueNode):
                return list(value.values)
        return None

    def page(self, node: FieldNode) -> int:
        first = self.argument(node, "first")
        if isinstance(first, int) and not isinstance(first, bool):
            return self.check_page(first)
        return self.default_page  # absent, null, or of the wrong type (refused later)

    def list_size(
        self, parent: GraphQLNamedType, node: FieldNode, definition: GraphQLField, page: int
    ) -> int:
        name = node.name.value
        if _is_connection(parent) and name in ("edges", "nodes"):
            return page
        if "first" in definition.args:
            return self.page(node)
        if name == "nodes" and parent is self.schema.query_type:
            ids = self.argument(node, "ids")
            return len(ids) if isinstance(ids, list) else 1
        return LIST_SIZES.get(f"{parent.name}.{name}", ASSUMED_LIST_SIZE)

    def selections(
        self,
        parent: GraphQLNamedType | None,
        selections: Iterable[SelectionNode],
        page: int,
        visiting: frozenset[str],
        root_cost: int = OBJECT_COST,
    ) -> int:
        total = 0
        for selection in selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, page, visiting, root_cost)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(
                    inner, selection.selection_set.selections, page, visiting, root_cost
                )
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page, visiting)
        return total

    def fragment(self, name: str, page: int, visiting: frozenset[str]) -> int:
        key = (name, page)
        if key not in self.memo:
            definition = self.fragments.get(name)
            if definition is None or name in visiting:
                return 0  # unknown or cyclic: validation refuses the document anyway
            inner = self.schema.get_type(definition.type_condition.name.value)
            self.memo[key] = self.selections(
                inner, definition.selection_set.selections, page, visiting | {name}
            )
        return self.memo[key]

    def field(
        self,
        parent: GraphQLNamedType | None,
        node: FieldNode,
        page: int,
        visiting: frozenset[str],
        own_cost: int,
    ) -> int:
        name = node.name.value
        definition = _fields_of(parent).get(name)
        if definition is None or name.startswith("__") or parent is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named) or node.selection_set is None:
            return 0
        inner_page = self.page(node) if _is_connection(named) else page
        children = self.selections(named, node.selection_set.selections, inner_page, visiting)
        one = (0 if _is_edge(named) else own_cost) + children
        if is_list_type(get_nullable_type(definition.type)):
            return self.list_size(parent, node, definition, page) * one
        return one


def _operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | None:
    return get_operation_ast(document, operation_name)


def _root_type(
    schema: GraphQLSchema, operation: OperationDefinitionNode
) -> GraphQLObjectType | None:
    if operation.operation is OperationType.MUTATION:
        return schema.mutation_type
    if operation.operation is OperationType.QUERY:
        return schema.query_type
    return None


def _root_cost(operation: OperationDefinitionNode) -> int:
    return MUTATION_COST if operation.operation is OperationType.MUTATION else OBJECT_COST


def _variables_with_defaults(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The request's variables, with the operation's defaults for those it left out."""
    given = dict(variables) if isinstance(variables, Mapping) else {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        default = definition.default_value
        if name not in given and isinstance(default, IntValueNode):
            given[name] = int(default.value)
    return given


def estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    *,
    default_page: int,
    check_page: PageCheck,
) -> int:
    """The requested cost of the operation the request names (0 if it names none)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return 0
    walk = _Walk(
        schema=schema,
        fragments={
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        },
        variables=_variables_with_defaults(operation, variables),
        default_page=default_page,
        check_page=check_page,
    )
    return walk.selections(
        _root_type(schema, operation),
        operation.selection_set.selections,
        default_page,
        frozenset(),
        _root_cost(operation),
    )


def actual(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    data: Mapping[str, Any] | None,
) -> int:
    """The cost of what the operation returned: the same rules over the objects in
    ``data`` (a list counts the items it holds, a null nothing)."""
    operation = _operation(document, operation_name)
    if operation is None or not data:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def collect(
        parent: GraphQLNamedType | None,
        selections: Iterable[SelectionNode],
        into: dict[str, tuple[GraphQLNamedType | None, list[FieldNode]]],
        seen: set[str],
    ) -> None:
        # As execution merges fields: one entry per response key, fragments flattened.
        for selection in selections:
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                into.setdefault(key, (parent, []))[1].append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = schema.get_type(condition.name.value) if condition else parent
                collect(inner, selection.selection_set.selections, into, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                definition = fragments.get(name)
                if definition is None or name in seen:
                    continue
                seen.add(name)
                inner = schema.get_type(definition.type_condition.name.value)
                collect(inner, definition.selection_set.selections, into, seen)

    def count(
        parent: GraphQLNamedType | None,
        selections: list[SelectionNode],
        value: Mapping[str, Any],
        own_cost: int,
    ) -> int:
        fields: dict[str, tuple[GraphQLNamedType | None, list[FieldNode]]] = {}
        collect(parent, selections, fields, set())
        total = 0
        for key, (owner, nodes) in fields.items():
            name = nodes[0].name.value
            definition = _fields_of(owner).get(name)
            if definition is None or name.startswith("__") or key not in value:
                continue
            named = get_named_type(definition.type)
            if is_leaf_type(named):
                continue
            inner = [s for n in nodes if n.selection_set for s in n.selection_set.selections]
            one = 0 if _is_edge(named) else own_cost
            items = value[key] if isinstance(value[key], list) else [value[key]]
            for item in items:
                if isinstance(item, Mapping):
                    total += one + count(named, inner, item, OBJECT_COST)
        return total

    return count(
        _root_type(schema, operation),
        list(operation.selection_set.selections),
        data,
        _root_cost(operation),
    )
