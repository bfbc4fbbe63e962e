"""A trusted document's selections as a small tree the planner walks.

Only what the planner compiles is accepted: fields (with aliases) and arguments given
as variables. Fragments, directives and ``__typename`` raise ``Unsupported``, and the
document runs through Strawberry instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import FieldNode, OperationDefinitionNode, SelectionSetNode, VariableNode


class Unsupported(Exception):
    """The planner cannot compile this (a document, field, argument or variable value):
    Strawberry runs it."""


@dataclass(frozen=True)
class Selected:
    name: str
    key: str  # the response key: the alias, else the name
    variables: dict[str, str]  # argument name -> the variable that gives it
    children: list[Selected] = field(default_factory=list)

    def only(self, allowed: set[str]) -> None:
        """Refuse arguments other than ``allowed``."""
        extra = set(self.variables) - allowed
        if extra:
            raise Unsupported(f"{self.name}: arguments {sorted(extra)}")


def selections(selection_set: SelectionSetNode | None) -> list[Selected]:
    if selection_set is None:
        return []
    found: list[Selected] = []
    for node in selection_set.selections:
        if not isinstance(node, FieldNode):
            raise Unsupported("fragments")
        if node.directives:
            raise Unsupported("directives")
        if node.name.value.startswith("__"):
            raise Unsupported("introspection")
        variables: dict[str, str] = {}
        for argument in node.arguments or ():
            if not isinstance(argument.value, VariableNode):
                raise Unsupported(f"{node.name.value}: a literal argument")
            variables[argument.name.value] = argument.value.name.value
        found.append(
            Selected(
                name=node.name.value,
                key=node.alias.value if node.alias else node.name.value,
                variables=variables,
                children=selections(node.selection_set),
            )
        )
    keys = [s.key for s in found]
    if len(set(keys)) != len(keys):
        raise Unsupported("a response key selected twice")
    return found


def root_selections(operation: OperationDefinitionNode) -> list[Selected]:
    return selections(operation.selection_set)
