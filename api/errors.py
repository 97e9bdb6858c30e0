"""One JSON shape for every API error: {"error": {"code", "message", "fields"?}}.

Domain refusals keep their own code and HTTP status (409 for a lost race); DRF's own errors
get a stable code and a message in the request's language (Accept-Language: ja / en).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from literacy.core.errors import ConflictError, DomainError

MESSAGES = {
    "invalid": _("入力内容を確認してください。"),
    "parse_error": _("送られた内容を読み取れませんでした。"),
    "not_authenticated": _("ログインが必要です。"),
    "authentication_failed": _("認証に失敗しました。"),
    "forbidden": _("この操作は許可されていません。"),
    "not_found": _("見つかりませんでした。"),
    "method_not_allowed": _("この方法では利用できません。"),
    "not_acceptable": _("この形式ではお返しできません。"),
    "unsupported_media_type": _("この形式の内容は受け付けていません。"),
    "throttled": _("アクセスが多すぎます。しばらくしてからもう一度お試しください。"),
}

CODES = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "forbidden"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
]


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _field_errors(detail) -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {"field" or "parent.child": [messages]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and all(not isinstance(v, dict | list) for v in value):
            flat.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in value)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            flat.setdefault(prefix or "non_field_errors", []).append(str(value))

    walk("", detail)
    return flat


def _message_for(exc: exceptions.APIException, code: str) -> str:
    # A permission or authentication class may say precisely what is wrong; otherwise the
    # generic message of the code.
    if isinstance(exc, exceptions.PermissionDenied | exceptions.AuthenticationFailed) and isinstance(
        exc.detail, str
    ) and exc.detail != exc.default_detail:
        return str(exc.detail)
    return str(MESSAGES[code])


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, str(exc)), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django report it as a 500
    code = next((name for cls, name in CODES if isinstance(exc, cls)), "error")
    fields = _field_errors(exc.detail) if isinstance(exc, exceptions.ValidationError) else None
    message = _message_for(exc, code) if code in MESSAGES else str(exc.detail)
    body = error_body(code, message, fields)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["error"]["retry_after"] = int(exc.wait) + 1
    response.data = body
    return response


@csrf_exempt
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Any /api/ path that matches no endpoint: a JSON 404 rather than an HTML page."""
    return JsonResponse(error_body("not_found", MESSAGES["not_found"]), status=status.HTTP_404_NOT_FOUND)


class IdempotencyKeyReused(ConflictError):
    """The same Idempotency-Key came with a different booking: refuse rather than guess."""

    code = "idempotency_key_reused"
    message = _("この Idempotency-Key は別の予約に使われています。")
