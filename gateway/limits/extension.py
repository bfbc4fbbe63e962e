"""The Strawberry extension that applies a caller's limits to every operation.

In order, all before any resolver (so before any SQL beyond the credentials check):
the token limit while parsing; depth, aliases, root fields and (anonymous, in
production) introspection while validating, with suggestions hidden in production;
then page sizes, the cost estimate against the role's maximum, and the caller's
bucket. After execution the bucket is settled to the actual cost, and every response
says where the caller stands (``extensions.cost`` and the RateLimit-* headers).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.language.parser import MAX_NESTING_DEPTH
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from gateway.auth.errors import AuthError
from gateway.auth.viewer import Role, Viewer
from gateway.context import SIGN_IN
from gateway.errors import GatewayError
from gateway.limits import cost
from gateway.limits.operation import (
    NoAnonymousIntrospectionRule,
    limit_error,
    operation_limits_rule,
)
from gateway.limits.rates import Buckets, BucketState
from gateway.limits.refusals import RecentRefusals
from gateway.limits.rules import RoleLimits, limits_for, page_size_within
from gateway.transport import SEVERAL_OPERATIONS
from gateway.trusted.execution import parsed

if TYPE_CHECKING:
    from starlette.responses import Response

    from gateway.context import Context


class CostLimitExceeded(GatewayError):
    code = "COST_LIMIT_EXCEEDED"


class RateLimited(GatewayError):
    code = "RATE_LIMITED"


@dataclass
class RequestLimits:
    """One HTTP request's link to its caller's bucket, and what the request cost."""

    buckets: Buckets
    response: Response
    """Strawberry's sub-response: its status and headers are copied to the answer."""
    client: str
    """The client's address: anonymous callers share a bucket per address."""
    requested: int = 0
    actual: int = 0
    state: BucketState | None = None
    limits: RoleLimits | None = field(default=None)
    refusals: RecentRefusals | None = None
    """Where a RATE_LIMITED refusal is remembered, so that repeats are answered at once."""
    key: bytes | None = None
    """This request's key there (``refusals.request_key``)."""


def bucket_key(viewer: Viewer | None, client: str) -> str:
    """Whose budget a request spends: an organisation's for the roles that act for one
    (every API token of a provider shares it), the person's for DfE roles, the
    address's for anonymous callers. Subjects are hashed: keys never hold identities."""
    if viewer is None:
        return f"anonymous:{client}"
    match viewer.role:
        case Role.SCHOOL_USER:
            return f"school_user:{viewer.school_id}"
        case Role.APPROPRIATE_BODY_USER:
            return f"appropriate_body_user:{viewer.appropriate_body_id}"
        case Role.LEAD_PROVIDER:
            return f"lead_provider:{viewer.lead_provider_id}"
        case Role.ADMIN | Role.FINANCE:
            digest = hashlib.sha256(viewer.subject.encode()).hexdigest()[:24]
            return f"{viewer.role}:{digest}"


@lru_cache(maxsize=256)
def _parse(query: str, max_tokens: int) -> DocumentNode:
    """Parsed documents, cached per text and token limit (graphql-core stops lexing
    at the limit, and refuses nesting beyond MAX_NESTING_DEPTH, before any recursion
    could run out of stack)."""
    return parse(query, max_tokens=max_tokens)


@lru_cache(maxsize=256)
def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    """graphql-core's validation with Strawberry's own rules, cached per document and
    rules (each role's limits are a distinct rule class, so roles never share a result)."""
    return validate(
        schema,
        document,
        (*rules, MaybeNullValidationRule, OneOfInputValidationRule),
        hide_suggestions=hide_suggestions,
    )


def _refusal(error: GatewayError | AuthError, **extensions: Any) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(
        data=None,
        errors=[GraphQLError(error.message, original_error=error, extensions=extensions)],
    )


class LimitsExtension(SchemaExtension):
    def _context(self) -> Context:
        context: Context = self.execution_context.context
        return context

    def on_operation(self) -> Iterator[None]:
        context = self._context()
        viewer = context.viewer
        self.limits = limits_for(viewer.role if viewer else None, context.settings.limit_overrides)
        if context.limits is not None:
            context.limits.limits = self.limits
        self.settled = False
        yield

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.query and ec.graphql_document is None:
            try:
                ec.graphql_document = _parse(ec.query, self.limits.tokens)
            except GraphQLError as e:
                raise self._explained(e) from None
        yield

    def _explained(self, error: GraphQLError) -> GraphQLError:
        """graphql-core aborts early on too many tokens or too deep a nesting: say which
        limit, its value, and what to do. Other syntax errors pass unchanged."""
        tokens, depth = self.limits.tokens, self.limits.depth
        if "more than" in error.message and "tokens" in error.message:
            return limit_error(
                "tokens",
                tokens,
                tokens + 1,
                f"The document has more than {tokens} tokens: at most {tokens} are "
                "allowed. Send a smaller document.",
            )
        if "nested too deeply" in error.message:
            return limit_error(
                "depth",
                depth,
                MAX_NESTING_DEPTH + 1,
                f"The document nests more than {MAX_NESTING_DEPTH} levels deep: at most "
                f"{depth} fields deep are allowed.",
            )
        return error

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        context = self._context()
        production = context.settings.is_production
        rules: tuple[type[ASTValidationRule], ...] = (
            *ec.validation_rules,
            operation_limits_rule(self.limits.depth, self.limits.aliases, self.limits.root_fields),
        )
        if production and context.viewer is None:
            rules = (*rules, NoAnonymousIntrospectionRule)
        assert ec.graphql_document is not None
        # Strawberry validates only while pre_execution_errors is None: this replaces it.
        ec.pre_execution_errors = list(
            _validate(ec.schema._schema, ec.graphql_document, rules, production)
        )
        operations = sum(
            isinstance(d, OperationDefinitionNode) for d in ec.graphql_document.definitions
        )
        if ec._provided_operation_name is None and operations > 1:
            # A request error in GraphQL over HTTP; Strawberry would run the first
            # (its operation_name falls back to it, so ask what the client sent).
            ec.pre_execution_errors.append(GraphQLError(SEVERAL_OPERATIONS))
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        context = self._context()
        limits = self.limits
        assert ec.graphql_document is not None
        try:
            requested = cost.estimate(
                ec.schema._schema,
                ec.graphql_document,
                ec.operation_name,
                ec.variables,
                default_page=limits.default_page,
                check_page=partial(page_size_within, cap=limits.page_size),
            )
        except GatewayError as e:  # a page size beyond the caller's cap
            ec.result = _refusal(e)
            yield
            return
        request = context.limits
        if request is not None:
            request.requested = requested
        if requested > limits.max_cost and context.viewer is None:
            # Beyond what anonymous callers may ask: what they lack is credentials.
            ec.result = _refusal(context.auth_error or AuthError(SIGN_IN))
            yield
            return
        if requested > limits.max_cost:
            ec.result = _refusal(
                CostLimitExceeded(
                    f"This operation would cost {requested} points: at most {limits.max_cost} "
                    "are allowed in one operation. Ask for smaller pages (first) or fewer "
                    "nested lists."
                ),
                requestedQueryCost=requested,
                maximumAvailable=limits.max_cost,
            )
            yield
            return
        if request is not None:
            request.state = await request.buckets.take(
                bucket_key(context.viewer, request.client),
                max(1, requested),
                limits.bucket,
                limits.restore_rate,
            )
            if not request.state.allowed:
                if request.refusals is not None and request.key is not None:
                    request.refusals.remember(request.key, request.state, requested, limits)
                request.response.status_code = 429
                ec.result = rate_limited(requested, request.state, limits)
                yield
                return
        yield
        # Compiled fields (gateway/trusted) are JSON bytes: read them to count.
        data = parsed(ec.result.data) if ec.result is not None else None
        if request is not None:
            request.actual = cost.actual(
                ec.schema._schema, ec.graphql_document, ec.operation_name, data
            )

    async def _settle(self) -> None:
        """Charge what the request cost (at least 1 point for any request; an operation
        that ran pays its actual cost), once, and tell the client where it stands."""
        if self.settled:
            return
        self.settled = True
        context = self._context()
        request = context.limits
        if request is None:
            return
        key = bucket_key(context.viewer, request.client)
        limits = self.limits
        if request.state is None:  # refused before the bucket was asked: one point
            request.state = await request.buckets.adjust(key, 1, limits.bucket, limits.restore_rate)
        elif request.state.allowed:
            difference = max(1, request.actual) - max(1, request.requested)
            if difference:
                request.state = await request.buckets.adjust(
                    key, difference, limits.bucket, limits.restore_rate
                )
        request.response.headers.update(rate_limit_headers(request.state, limits))

    async def get_results(self) -> dict[str, Any]:
        await self._settle()
        request = self._context().limits
        if request is None or request.state is None:
            return {}
        return cost_extension(request.requested, request.actual, request.state, self.limits)


def rate_limited(requested: int, state: BucketState, limits: RoleLimits) -> GraphQLExecutionResult:
    """The RATE_LIMITED refusal of an operation the bucket cannot pay for."""
    retry = state.retry_after
    return _refusal(
        RateLimited(
            f"Rate limited: this operation costs {requested} points and your "
            f"budget holds {state.remaining} now; it regains "
            f"{limits.restore_rate} a second. Retry in {retry} seconds."
        ),
        retryAfter=retry,
    )


def rate_limit_headers(state: BucketState, limits: RoleLimits) -> dict[str, str]:
    """Where the caller stands, as headers (and when to retry, after a refusal)."""
    headers = {
        "RateLimit-Limit": str(limits.bucket),
        "RateLimit-Remaining": str(state.remaining),
        "RateLimit-Reset": str(state.reset_after),
    }
    if not state.allowed:
        headers["Retry-After"] = str(state.retry_after)
    return headers


def cost_extension(
    requested: int, actual: int, state: BucketState, limits: RoleLimits
) -> dict[str, Any]:
    """``extensions.cost`` of an answer."""
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "maximumAvailable": limits.max_cost,
            "throttleStatus": {
                "maximumAvailable": limits.bucket,
                "currentlyAvailable": state.remaining,
                "restoreRate": limits.restore_rate,
            },
        }
    }
