"""GraphiQL's opening tabs: a welcome query, then every operation under ``operations/``.

Each operation opens with variables that find data (a school with current ECTs, an
appropriate body with a current caseload...) and, in development only, the
``Authorization`` header of its folder's role. In production no token is ever made:
the tabs carry the documents and variables, and the developer brings their own token.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLError, NonNullTypeNode, OperationDefinitionNode, parse

from gateway.devdata import Choices

WELCOME = """\
# The ECF gateway's graph.
# Docs: the book icon, top left.
#
{who}
#
# Each other tab is an operation from
# operations/ with {each}.
# Run: Ctrl-Enter or the play button.
query Welcome {{
  viewer {{ authenticated role }}
  contractPeriods {{ year startedOn finishedOn }}
}}
"""

ROLE_OF_FOLDER = {
    "school_user": "school_user",
    "appropriate_body_user": "appropriate_body_user",
    "lead_provider": "lead_provider",
    "finance": "finance",
    "admin": "admin",
}

Tokens = Callable[[str], Awaitable[str | None]]
"""The development token for a role (folder name), or None when none can be made."""


@dataclass(frozen=True)
class Operation:
    folder: str
    name: str
    document: str


def read_operations(directory: Path) -> list[Operation]:
    """Every ``<folder>/<Name>.graphql`` under ``directory``, in a stable order."""
    if not directory.is_dir():
        return []
    return [
        Operation(path.parent.name, path.stem, path.read_text())
        for path in sorted(directory.glob("*/*.graphql"))
    ]


def sample_variables(document: str, choices: Choices) -> dict[str, Any]:
    """Values for the variables an operation declares: every required one we can fill,
    and small pages (``first: 10``) so that the first run reads well."""
    known: dict[str, Any] = {
        "urn": choices.schools[0].urn if choices.schools else None,
        "trn": choices.teacher_trn,
        "id": choices.statement_global_id,
        "cohort": choices.cohort,
        "first": 10,
        "current": True,
    }
    try:
        parsed = parse(document)
    except GraphQLError:
        return {}
    variables: dict[str, Any] = {}
    for definition in parsed.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for var in definition.variable_definitions or ():
            name = var.variable.name.value
            required = isinstance(var.type, NonNullTypeNode)
            if known.get(name) is not None and (required or name in ("first", "current")):
                variables[name] = known[name]
    return variables


def _headers(token: str | None) -> str:
    return json.dumps({"Authorization": f"Bearer {token}"}, indent=2) if token else ""


async def tabs(
    operations: list[Operation], choices: Choices | None, tokens: Tokens | None
) -> list[dict[str, str]]:
    """GraphiQL's ``defaultTabs``: query, variables and headers as strings."""
    if tokens is None:
        who = (
            "# Production: paste your own token in\n"
            "# Headers (below) as\n"
            '# {"Authorization": "Bearer <token>"}.'
        )
        each = "variables\n# that find data"
    else:
        who = "# Development: this tab acts as DfE\n# admin (a token is in Headers, below)."
        each = "a token of\n# its role and variables that find data"
    welcome_token = await tokens("admin") if tokens else None
    result = [
        {
            "query": WELCOME.format(who=who, each=each),
            "variables": "",
            "headers": _headers(welcome_token),
        }
    ]
    for op in operations:
        variables = sample_variables(op.document, choices) if choices else {}
        role = ROLE_OF_FOLDER.get(op.folder)
        token = await tokens(role) if tokens and role else None
        result.append(
            {
                "query": op.document,
                "variables": json.dumps(variables, indent=2) if variables else "",
                "headers": _headers(token),
            }
        )
    return result
