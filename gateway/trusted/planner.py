"""Trusted operations planned at start-up and served as one SQL statement per root field.

``TrustedOperations`` loads the manifest (gateway/trusted/manifest.py), validates each
query document against the schema and plans the ones whose every field it knows, for
the role whose folder holds them. Per request, ``resolve`` turns a persisted query's hash
into its text, ``refusal_for`` keeps the roles in TRUSTED_ONLY_ROLES to the trusted
documents, and ``compiled`` (called by gateway/trusted/execution.py's extension, once
Strawberry has parsed and validated the document and gateway/limits has priced and
charged it) decides in a dictionary look-up whether the compiled path applies (a planned
document, the viewer's role is the document's, the variables bind); anything else, and
any argument problem, Strawberry executes unchanged, with its usual answer and errors.
Mutations always go to Strawberry (they are never planned).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import OperationDefinitionNode, OperationType, parse, validate

from gateway.auth import policy
from gateway.auth.viewer import Viewer
from gateway.context import Context
from gateway.errors import BadUserInput
from gateway.schema import schema
from gateway.settings import Settings
from gateway.transport import Exchange, Refusal
from gateway.trusted.connection import ConnectionPlan, ListField
from gateway.trusted.jsonsql import JsonSQL
from gateway.trusted.manifest import Manifest, TrustedDocument, sha256_hex
from gateway.trusted.mentors import UNFUNDED_MENTORS
from gateway.trusted.participants import TEACHERS
from gateway.trusted.persisted import PersistedQueries
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


@dataclass
class TrustedOperations:
    """The manifest and the plans made from it."""

    manifest: Manifest
    plans: dict[str, Plan] = field(default_factory=dict)
    not_planned: dict[str, str] = field(default_factory=dict)  # document path -> why
    checked: set[tuple[Any, ...]] = field(default_factory=set)  # see _check_policy
    trusted_only_roles: frozenset[str] = frozenset()  # TRUSTED_ONLY_ROLES
    persisted: PersistedQueries = field(default_factory=PersistedQueries)

    @classmethod
    def load(cls, settings: Settings) -> TrustedOperations:
        """The manifest of ``settings.operations_dir`` and the plans for it. The compiled
        statements read the teachers, schools, inductions and training tables on the
        request session's main connection: when those domains live on another database
        than ``DATABASE_URL``, nothing is planned (Strawberry routes each read)."""
        trusted = cls(
            Manifest.load(settings.operations_dir),
            trusted_only_roles=frozenset(settings.trusted_only_roles),
        )
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

    def resolve(self, exchange: Exchange) -> Exchange:
        """The request with a persisted query's text filled in (Apollo's shape:
        ``extensions.persistedQuery.sha256Hash``): a trusted document's, or one this
        process was sent before with its hash (automatic persisted queries). Refuses an
        unknown hash sent without text (PERSISTED_QUERY_NOT_FOUND: the client sends the
        text with the hash, once) and a text that does not match its hash."""
        data = exchange.request_data
        extensions = data.extensions or {}
        persisted = extensions.get("persistedQuery")
        if not isinstance(persisted, dict):
            return exchange
        sha256 = persisted.get("sha256Hash")
        if not isinstance(sha256, str) or persisted.get("version", 1) != 1:
            raise Refusal(
                400,
                "BAD_REQUEST",
                'extensions.persistedQuery must be {"version": 1, "sha256Hash": "<hex>"}.',
            )
        if data.query is not None:
            if sha256_hex(data.query) != sha256.lower():
                raise Refusal(
                    400,
                    "PERSISTED_QUERY_HASH_MISMATCH",
                    "The query's SHA-256 is not the sha256Hash sent with it: hash the exact "
                    "text (UTF-8) you send.",
                )
            if self.manifest.by_hash(sha256) is None:
                self.persisted.remember(sha256, data.query)
            return exchange
        trusted = self.manifest.by_hash(sha256)
        text = trusted.text if trusted is not None else self.persisted.recall(sha256)
        if text is None:
            raise Refusal(
                200,
                "PERSISTED_QUERY_NOT_FOUND",
                "PersistedQueryNotFound: no document known here has this sha256Hash; send "
                "the query text with it.",
            )
        return replace(exchange, request_data=replace(data, query=text))

    def refusal_for(self, viewer: Viewer | None, exchange: Exchange) -> Refusal | None:
        """Roles in ``TRUSTED_ONLY_ROLES`` run only the trusted documents (by text or
        hash); any other document is refused before it is parsed."""
        if viewer is None or viewer.role.value not in self.trusted_only_roles:
            return None
        query = exchange.request_data.query
        if query is None or self.manifest.by_text(query) is not None:
            return None
        return Refusal(
            403,
            "OPERATION_NOT_TRUSTED",
            f"{viewer.role.value} callers run only the trusted operations (the documents "
            "under operations/ in this gateway's repository): send one of them as it is, "
            "or its sha256Hash as a persisted query.",
        )

    async def compiled(
        self,
        query: str | None,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        context: Context,
    ) -> dict[str, bytes] | None:
        """Each root field's JSON, built by one statement each, when the document is a
        planned trusted document and the viewer's role is its folder's; None to let
        Strawberry execute (any other document, role or operation name, or variables the
        plan cannot bind: Strawberry then gives its usual answer or error)."""
        document = self.manifest.by_text(query) if query is not None else None
        if document is None:
            return None
        return await self._compiled(document, operation_name, variables or {}, context)

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
        self,
        document: TrustedDocument,
        name: str | None,
        variables: dict[str, Any],
        context: Context,
    ) -> dict[str, bytes] | None:
        plan = self.plans.get(document.sha256)
        viewer = context.viewer
        if plan is None or viewer is None or viewer.role is not document.role:
            return None
        if name is not None and name != plan.operation_name:
            return None
        scope = policy.Scope(viewer, context.today)
        session = context.session
        j = _JSON.get(session.get_bind().dialect.name)
        if j is None:
            return None
        parts: dict[str, bytes] = {}
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
                parts[root.field.key] = root.render(row, args)
        except Exception as e:  # never shown to the caller: Strawberry answers instead
            log.error(
                "compiled %s failed [request %s]: %s",
                document.name,
                context.request_id,
                type(e).__name__,
            )
            await session.rollback()
            return None
        return parts


_JSON = {"postgresql": JsonSQL("postgresql"), "sqlite": JsonSQL("sqlite")}
