"""GraphQL over HTTP at /graphql: what a request must look like before anything runs.

The GraphQL-over-HTTP specification (graphql.github.io/graphql-over-http) and its audit
(npm ``graphql-http``, ``tests/http_audit``) decide the shape; the OWASP CSRF guidance
decides what a browser on another site may make us do. Everything here runs before the
request's database session is opened and before credentials are checked, so a refused
request costs no SQL and changes nothing, and every refusal is a GraphQL error body with
a stable ``extensions.code`` and a 4xx status (never a 500, never a plain-text page):

=======  ==========================  ==============================================
status   code                        when
=======  ==========================  ==============================================
400      ``BAD_REQUEST``             the body is not UTF-8, not JSON, nested too
                                     deeply, not one JSON object (a batch array), or
                                     a parameter has the wrong type; no ``query``
400      ``BAD_USER_INPUT``          ``operationName`` names no operation of the
                                     document (or the document has several and none
                                     is named)
403      ``CROSS_SITE_REQUEST``      a browser on another site sent a GET query
                                     without a header that needs a CORS preflight
405      ``METHOD_NOT_ALLOWED``      not GET or POST; a mutation sent by GET
406      ``NOT_ACCEPTABLE``          Accept names neither JSON media type
413      ``PAYLOAD_TOO_LARGE``       the body is larger than ``MAX_REQUEST_BYTES``
415      ``UNSUPPORTED_MEDIA_TYPE``  a POST that is not ``application/json`` in UTF-8
431      ``HEADER_TOO_LARGE``        an Authorization header over 8 KiB
=======  ==========================  ==============================================

Responses are ``application/graphql-response+json`` when the client's Accept prefers
it, with the specification's statuses (400 and no ``data`` for a document that does not
parse or validate or variables that do not coerce); ``application/json`` otherwise
(missing Accept, ``*/*``, ``application/json``), where GraphQL errors answer 200 as
they always have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from cross_web import HTTPException, StarletteRequestAdapter
from starlette.datastructures import Headers, QueryParams
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"

AUTHORIZATION_MAX_BYTES = 8 * 1024
"""Far above any real credential (a JWT with many claims is 1-2 KiB, an API token 50
bytes), small enough that nobody makes us hash or base64-decode megabytes."""

ALLOWED_METHODS = "GET, POST"

PREFLIGHT_HEADERS = ("authorization", "x-requested-with", "content-type")
"""Headers a browser page cannot send to another site without a CORS preflight (for
content-type: any value but the three of HTML forms), so their presence shows the page
was allowed by our CORS policy, or that the caller is not a browser page at all."""

SIMPLE_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


class Refusal(Exception):
    """A request refused before execution: its status, stable code and message."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self, media_type: str, request_id: str) -> Response:
        """The refusal as the spec's request error: ``errors`` and no ``data``."""
        body = {"errors": [{"message": self.message, "extensions": {"code": self.code}}]}
        return encode(body, self.status, media_type, {**self.headers, "X-Request-Id": request_id})


@dataclass(frozen=True)
class Exchange:
    """What the transport learned about one request that passed its checks."""

    media_type: str
    """The response's media type, from the request's Accept."""
    request_data: GraphQLRequestData
    """The GraphQL parameters (``query`` None for a GET without one: the IDE's page)."""


class GatewayRequestAdapter(StarletteRequestAdapter):
    """Strawberry's view of the request, which also hands over the parsed ``Exchange``
    (``prepare`` read and checked the body; Strawberry does not parse it again)."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.request = request

    @property
    def exchange(self) -> Exchange:
        exchange: Exchange = self.request.state.exchange
        return exchange


def content_type(media_type: str) -> str:
    # JSON is UTF-8 by definition (RFC 8259); the newer type names its charset, as the
    # spec's examples do.
    return f"{media_type}; charset=utf-8" if media_type == GRAPHQL_RESPONSE_JSON else JSON


def encode(body: object, status: int, media_type: str, headers: dict[str, str]) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers={**headers, "Content-Type": content_type(media_type)},
    )


def negotiate(accept: str | None) -> str:
    """The response media type for an Accept header: the highest-weighted of the two
    JSON types the server speaks; JSON when Accept is missing (the spec's default) or
    names ``*/*`` or ``application/*``."""
    if accept is None or not accept.strip():
        return JSON
    offers: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        weight, charset = 1.0, "utf-8"
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            value = value.strip().strip('"').lower()
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
            elif key.strip().lower() == "charset":
                charset = value
        media_range = media_range.lower()
        if weight <= 0 or charset not in ("utf-8", "utf8"):
            continue
        if media_range == GRAPHQL_RESPONSE_JSON:
            offers.append((-weight, position, GRAPHQL_RESPONSE_JSON))
        elif media_range in (JSON, "application/*", "*/*"):
            offers.append((-weight, position, JSON))
    if not offers:
        raise Refusal(
            406,
            "NOT_ACCEPTABLE",
            f"Accept names no media type this server answers in: accept "
            f"{GRAPHQL_RESPONSE_JSON} or {JSON}.",
        )
    return min(offers)[2]


def check_authorization(headers: Headers) -> None:
    for value in headers.getlist("authorization"):
        if len(value) > AUTHORIZATION_MAX_BYTES:
            raise Refusal(
                431,
                "HEADER_TOO_LARGE",
                f"The Authorization header is {len(value):,} bytes: credentials are at most "
                f"{AUTHORIZATION_MAX_BYTES:,} bytes (send 'Authorization: Bearer <token>').",
            )


def check_method(method: str) -> None:
    if method not in ("GET", "POST"):
        raise Refusal(
            405,
            "METHOD_NOT_ALLOWED",
            f"{method} is not supported at /graphql: send a POST (queries and mutations) or "
            "a GET (queries).",
            {"Allow": ALLOWED_METHODS},
        )


def check_content_type(content_type: str | None) -> None:
    """POSTs are JSON in UTF-8. This is also the CSRF defence for POST: an HTML form or a
    "simple" cross-site fetch can only send the three form types, and a page on another
    site can send JSON only after a CORS preflight that our allow-list decides."""
    media_type, *parameters = (piece.strip() for piece in (content_type or "").split(";"))
    charset = "utf-8"
    for parameter in parameters:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    if media_type.lower() != JSON or charset not in ("utf-8", "utf8"):
        shown = content_type or "none"
        raise Refusal(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            f"The request's Content-Type is {shown}: send the GraphQL request as "
            f"'Content-Type: {JSON}' (UTF-8).",
        )


def check_cross_site_get(headers: Headers) -> None:
    """A browser page on another site may make a visitor's browser send a GET (a link,
    an image) without asking us first. Fetch Metadata (``Sec-Fetch-Site``) says when a
    browser did so; such a GET runs only if it carries a header that needed a CORS
    preflight. Non-browser clients send no Sec-Fetch-Site and are not affected."""
    site = headers.get("sec-fetch-site")
    if site not in ("cross-site", "same-site"):
        return  # absent (not a browser, or an old one), same-origin, or typed by the user
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    preflighted = any(name in headers for name in PREFLIGHT_HEADERS if name != "content-type") or (
        content_type != "" and content_type not in SIMPLE_CONTENT_TYPES
    )
    if not preflighted:
        raise Refusal(
            403,
            "CROSS_SITE_REQUEST",
            "A GET query from a page on another site needs a header that requires a CORS "
            "preflight (e.g. 'X-Requested-With' or 'Content-Type: application/json'), or "
            "send it as a POST with a JSON body.",
        )


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` (by its
    Content-Length before anything is read, else once the chunks read pass it), so no
    more than ``limit`` bytes are ever held."""
    declared = Headers(scope=scope).get("content-length")
    too_large = Refusal(
        413,
        "PAYLOAD_TOO_LARGE",
        f"The request body is larger than {limit:,} bytes, the most this server reads "
        "(MAX_REQUEST_BYTES): send a smaller document or fewer variables.",
    )
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def bad_request(message: str) -> Refusal:
    return Refusal(400, "BAD_REQUEST", message)


def parse_json(text: bytes | str, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as e:
        # orjson stops at 1,024 levels of nesting ("depth limit exceeded") without
        # recursing in Python, so a deeply nested body is a 400, not a RecursionError.
        reason = "it is nested too deeply" if "depth" in str(e) else f"{e}"
        raise bad_request(f"The {what} is not valid JSON: {reason}.") from None


def request_data(params: object) -> GraphQLRequestData:
    """The GraphQL parameters of one request, each checked against the spec's types."""
    if isinstance(params, list):
        raise bad_request(
            "Batched requests (a JSON array) are not supported: send one operation per "
            'request as a JSON object {"query": ...}.'
        )
    if not isinstance(params, dict):
        raise bad_request(
            'The request body must be a JSON object such as {"query": "{ viewer { role } }"}.'
        )
    expected = {"query": str, "operationName": str, "variables": dict, "extensions": dict}
    for name, kind in expected.items():
        value = params.get(name)
        if value is not None and not isinstance(value, kind):
            shown = "a string" if kind is str else "an object"
            raise bad_request(f'The request\'s "{name}" must be {shown} or null.')
    return GraphQLRequestData(
        query=params.get("query"),
        variables=params.get("variables"),
        operation_name=params.get("operationName"),
        extensions=params.get("extensions"),
    )


def query_params(params: QueryParams) -> dict[str, object]:
    """A GET's parameters, ``variables`` and ``extensions`` being JSON in the URL."""
    parsed: dict[str, object] = {}
    for name in ("query", "operationName", "variables", "extensions"):
        value = params.get(name)
        if value is None or value == "":
            continue
        if name in ("variables", "extensions"):
            parsed[name] = parse_json(value, f'"{name}" parameter')
        else:
            parsed[name] = value
    return parsed


async def prepare(scope: Scope, receive: Receive, max_request_bytes: int) -> Exchange:
    """Check and read one request to /graphql; raises ``Refusal`` for anything the
    specification or our limits do not allow."""
    headers = Headers(scope=scope)
    if scope["method"] == "GET":
        check_authorization(headers)
        params = QueryParams(scope.get("query_string", b""))
        if "query" not in params:
            # Strawberry answers GraphiQL's page (Accept: text/html), or refuses the
            # missing query.
            return Exchange(refusal_media_type(scope), GraphQLRequestData(None, None, None, None))
        media_type = negotiate(headers.get("accept"))
        check_cross_site_get(headers)
        return Exchange(media_type, request_data(query_params(params)))
    try:
        check_method(scope["method"])
        check_authorization(headers)
        media_type = negotiate(headers.get("accept"))
        check_content_type(headers.get("content-type"))
        body = await read_body(scope, receive, max_request_bytes)
    except Refusal as refusal:
        # The body (or its rest) is still unread: the server closes the connection after
        # the answer rather than keep it open while the client sends what nobody reads.
        refusal.headers["Connection"] = "close"
        raise
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise bad_request(
            f"The request body is not UTF-8 (byte {e.start} cannot be decoded): send JSON "
            "encoded as UTF-8."
        ) from None
    if not body.strip():
        raise bad_request('The request has no body: send {"query": "..."} as JSON.')
    return Exchange(media_type, request_data(parse_json(body, "request body")))


def refusal_media_type(scope: Scope) -> str:
    """The media type a refusal is written in: the negotiated one, JSON when Accept
    itself is what was refused."""
    try:
        return negotiate(Headers(scope=scope).get("accept"))
    except Refusal:
        return JSON


SEVERAL_OPERATIONS = 'The document has several operations: name the one to run in "operationName".'
"""The spec's request error for a document of several operations and no operationName."""


def refusal_from(error: HTTPException) -> Refusal:
    """Strawberry's own refusals (raised while choosing the operation), as ours."""
    cause = error.__cause__
    if isinstance(cause, InvalidOperationTypeError):
        return Refusal(
            405,
            "METHOD_NOT_ALLOWED",
            "Mutations are not allowed over GET: send them as a POST with a JSON body.",
            {"Allow": "POST"},
        )
    if isinstance(cause, CannotGetOperationTypeError):
        if cause.operation_name is None:
            message = SEVERAL_OPERATIONS
        else:
            message = (
                f'The document has no operation named "{cause.operation_name}": '
                '"operationName" must name one of its operations.'
            )
        return Refusal(400, "BAD_USER_INPUT", message)
    if isinstance(cause, MissingQueryError):
        return bad_request('The request has no "query": send {"query": "..."} as JSON.')
    return bad_request(error.reason)


def is_request_error(result: ExecutionResult) -> bool:
    """A request error in the spec's sense: the document did not parse or validate, or
    the variables did not coerce, so nothing executed. Such errors have no path; an
    error raised while executing a field always has one (even when it nulls ``data``)."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(not e.path for e in errors)


def shape_result(
    exchange: Exchange, result: ExecutionResult, response: GraphQLHTTPResponse, sub: Response
) -> None:
    """Give a GraphQL response the spec's status and shape for the negotiated media type:
    with graphql-response+json a request error is a 400 without ``data``; with JSON it
    stays 200 with ``"data": null``, as legacy clients expect. A status already chosen
    while executing (429 RATE_LIMITED, 503 for the retryable failures) stands: it says
    more than 400 would."""
    sub.media_type = exchange.media_type
    if sub.status_code not in (None, 200):
        return
    if exchange.media_type == GRAPHQL_RESPONSE_JSON and is_request_error(result):
        response.pop("data", None)
        sub.status_code = 400


def create_response(body: bytes, sub: Response) -> Response:
    """The HTTP response for an executed request: the status and media type
    ``shape_result`` chose, with the headers set while executing (X-Request-Id...)."""
    response = Response(body, status_code=sub.status_code or 200)
    response.headers.raw.extend(sub.headers.raw)
    response.headers["Content-Type"] = content_type(sub.media_type or JSON)
    if sub.background:
        response.background = sub.background
    return response


def cors_middleware(allowed_origins: tuple[str, ...]) -> list[Middleware]:
    """CORS for the origins in ``CORS_ALLOWED_ORIGINS`` only; none by default, when no
    CORS header is ever sent and browsers keep pages on other sites from reading
    answers or sending JSON. Credentials are bearer tokens, never cookies, so
    ``allow_credentials`` stays off."""
    if not allowed_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(allowed_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Requested-With"],
            expose_headers=["X-Request-Id", "Retry-After"],
            max_age=600,
        )
    ]
