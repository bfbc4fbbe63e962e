"""Trusted operations planned at start-up and served as one SQL statement per root field.

``TrustedOperations`` loads the manifest (gateway/trusted/manifest.py), validates each
query document against the schema and plans the ones whose every field it knows, for
the role whose folder holds them. Per request, ``handle`` decides in a dictionary look-up
whether the compiled path applies (a planned document, the viewer's role is the
document's, the variables bind); anything else, and any argument problem, goes to
Strawberry unchanged, which gives its usual answer and errors. Mutations always go to
Strawberry (they are never planned).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import OperationDefinitionNode, OperationType, parse, validate
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Message, Receive, Scope

from gateway.auth import policy
from gateway.context import Context
from gateway.errors import BadUserInput
from gateway.schema import schema
from gateway.settings import Settings
from gateway.trusted.connection import ConnectionPlan, ListField
from gateway.trusted.jsonsql import JsonSQL
from gateway.trusted.manifest import Manifest, TrustedDocument
from gateway.trusted.mentors import UNFUNDED_MENTORS
from gateway.trusted.participants import TEACHERS
from gateway.trusted.selection import Unsupported, root_selections

log = logging.getLogger("gateway")

ROOT_FIELDS: dict[str, ListField] = {"teachers": TEACHERS, "unfundedMentors": UNFUNDED_MENTORS}
"""Root fields the planner compiles, and their plans."""


@dataclass
class Plan:
    document: TrustedDocument
    operation_name: str | None
    roots: list[ConnectionPlan]


def plan_document(document: TrustedDocument) -> Plan:
    """The document's plan, or Unsupported with the reason."""
    ast = parse(document.text)
    errors = validate(schema._schema, ast)
    if errors:
        raise Unsupported(f"invalid: {errors[0].message}")
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1 or len(ast.definitions) != 1:
        raise Unsupported("not exactly one operation")
    operation = operations[0]
    if operation.operation is not OperationType.QUERY:
        raise Unsupported(f"a {operation.operation.value}")
    roots = []
    for selected in root_selections(operation):
        spec = ROOT_FIELDS.get(selected.name)
        if spec is None:
            raise Unsupported(f"root field {selected.name}")
        roots.append(ConnectionPlan(spec, selected))
    name = operation.name.value if operation.name else None
    return Plan(document, name, roots)


PERSISTED_QUERY_NOT_FOUND = orjson.dumps(
    {
        "data": None,
        "errors": [
            {
                "message": "PersistedQueryNotFound: no trusted document has this sha256Hash; "
                "send the query text with it.",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ],
    }
)


@dataclass
class TrustedOperations:
    """The manifest and the plans made from it."""

    manifest: Manifest
    plans: dict[str, Plan] = field(default_factory=dict)
    not_planned: dict[str, str] = field(default_factory=dict)  # document path -> why
    checked: set[tuple[Any, ...]] = field(default_factory=set)  # see _check_policy

    @classmethod
    def load(cls, settings: Settings) -> TrustedOperations:
        """The manifest of ``settings.operations_dir`` and the plans for it. The compiled
        statements read the teachers, schools, inductions and training tables on the
        request session's main connection: when those domains live on another database
        than ``DATABASE_URL``, nothing is planned (Strawberry routes each read)."""
        trusted = cls(Manifest.load(settings.operations_dir))
        apart = [d for d in policy.SCOPE_DOMAINS if settings.url_for(d) != settings.database_url]
        for document in trusted.manifest.documents():
            if apart:
                trusted.not_planned[str(document.path)] = f"{', '.join(apart)} on another database"
                continue
            try:
                trusted.plans[document.sha256] = plan_document(document)
            except Unsupported as e:
                trusted.not_planned[str(document.path)] = str(e)
        return trusted

    async def handle(self, scope: Scope, receive: Receive, context: Context) -> Response | Receive:
        """A compiled response, or the ``receive`` Strawberry should read the request
        from (the body again, with a persisted query's text filled in)."""
        if scope.get("method") != "POST":
            return receive
        headers = Headers(scope=scope)
        if not headers.get("content-type", "").startswith("application/json"):
            return receive
        body = await _read_body(receive)
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _replay(body, receive)
        if not isinstance(request, dict):
            return _replay(body, receive)
        document = self._document(request)
        if document is _NOT_FOUND:
            return Response(
                PERSISTED_QUERY_NOT_FOUND,
                media_type="application/json",
                headers={"X-Request-Id": context.request_id},
            )
        if isinstance(document, TrustedDocument):
            if request.get("query") is None:  # Strawberry reads the text
                request["query"] = document.text
                body = orjson.dumps(request)
            compiled = await self._compiled(document, request, context)
            if compiled is not None:
                return Response(
                    compiled,
                    media_type="application/json",
                    headers={"X-Request-Id": context.request_id},
                )
        return _replay(body, receive)

    def _document(self, request: dict[str, Any]) -> TrustedDocument | object | None:
        query = request.get("query")
        extensions = request.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if isinstance(persisted, dict) and isinstance(persisted.get("sha256Hash"), str):
            found = self.manifest.by_hash(persisted["sha256Hash"])
            if found is None and not isinstance(query, str):
                return _NOT_FOUND
            if found is not None and (query is None or query == found.text):
                return found
        return self.manifest.by_text(query) if isinstance(query, str) else None

    def _check_policy(self, document: TrustedDocument, role: Any, args: Any, stmt: Any) -> None:
        """Every SELECT of a compiled statement was built by the policy (the request
        session's guard, run on the first statement of each shape: the document, role,
        filters given and whether a cursor is)."""
        given = tuple(sorted(k for k, v in vars(args.filters).items() if v is not None))
        shape = (document.sha256, role, given, args.after is not None)
        if shape in self.checked:
            return
        unmarked = policy.unmarked_reads(stmt)
        if unmarked:
            raise policy.PolicyBypassed(f"compiled {document.name} reads {sorted(unmarked)}")
        self.checked.add(shape)

    async def _compiled(
        self, document: TrustedDocument, request: dict[str, Any], context: Context
    ) -> bytes | None:
        plan = self.plans.get(document.sha256)
        viewer = context.viewer
        if plan is None or viewer is None or viewer.role is not document.role:
            return None
        name = request.get("operationName")
        if name is not None and name != plan.operation_name:
            return None
        variables = request.get("variables") or {}
        if not isinstance(variables, dict):
            return None
        scope = policy.Scope(viewer, context.today)
        session = context.session
        j = _JSON.get(session.get_bind().dialect.name)
        if j is None:
            return None
        parts: list[bytes] = []
        try:
            try:
                bound = [(root, root.bind(variables, context.page_cap)) for root in plan.roots]
                statements = [root.statement(j, scope, args) for root, args in bound]
            except (Unsupported, BadUserInput):
                return None  # Strawberry answers, with its error where there is one
            # On the session's connection, as Core: the ORM's per-execution compile
            # state cost more than the SQL (and missed the compiled cache). The request
            # session's guard (policy.RequestSession) does not see Core executions, so
            # the same check runs here, once per shape of statement.
            connection = await session.connection()
            for (root, args), stmt in zip(bound, statements, strict=True):
                self._check_policy(document, viewer.role, args, stmt)
                row = (await connection.execute(stmt)).one()
                parts.append(b'"' + root.field.key.encode() + b'":' + root.render(row, args))
        except Exception as e:  # never shown to the caller: Strawberry answers instead
            log.error(
                "compiled %s failed [request %s]: %s",
                document.name,
                context.request_id,
                type(e).__name__,
            )
            await session.rollback()
            return None
        return b'{"data":{' + b",".join(parts) + b"}}"


_NOT_FOUND = object()

_JSON = {"postgresql": JsonSQL("postgresql"), "sqlite": JsonSQL("sqlite")}


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
