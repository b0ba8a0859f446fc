"""Domain errors. The app turns each into an HTTP status with a clear message."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra

    def to_dict(self) -> dict:
        body: dict = {"detail": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class BadRequest(DomainError):
    status_code = 400


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Unprocessable(DomainError):
    status_code = 422


# The error answers every operation of our API (/api/...) may give besides its own, each with its cause:
# the body is the DomainError's (`detail` a sentence, `field` naming the field when there is one).
ERROR_STATUSES = {
    400: "Bad request: the request cannot be carried out as sent",
    401: "Not authenticated: no, an expired or an invalid bearer token, API key or session",
    403: "Forbidden: the principal's role or scope does not allow this",
    404: "Not found: a code, id or number in the request names nothing",
    409: "Conflict: the row was changed by someone else, or the action does not fit its state",
    413: "Request body too large",
    429: "Too many requests: a rate limit or the sign-in throttle; see Retry-After",
}
ERROR_BODY = {
    "type": "object",
    "title": "ErrorBody",
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "field": {"type": "string", "title": "Field"},
    },
    "required": ["detail"],
}


def document_error_bodies(app) -> None:
    """A 422 is either FastAPI's own validation error (`detail` a list) or a DomainError (`detail` a
    sentence, `field` naming the field): say both in the OpenAPI schema, so that clients (and schemathesis)
    validating responses against it accept what the API really answers. Every operation under /api/ also
    lists the error statuses it may answer (ERROR_STATUSES, a DomainError body), so that a client can tell
    a documented refusal from a surprise (schemathesis's status_code_conformance)."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        body = components.get("HTTPValidationError")
        if body is not None:
            listed = body["properties"]["detail"]
            body["properties"]["detail"] = {
                "anyOf": [{k: v for k, v in listed.items() if k != "title"}, {"type": "string"}],
                "title": "Detail",
            }
            body["properties"]["field"] = {"type": "string", "title": "Field"}
        components["ErrorBody"] = ERROR_BODY
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for path, item in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses.setdefault(str(status), {"description": description, "content": error})
                if "422" not in responses and body is not None:
                    responses["422"] = {
                        "description": "Validation Error",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
                            }
                        },
                    }
        return schema

    app.openapi = openapi
