"""Shared pieces of the OpenAPI description: parameters and examples used by several views."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

MUNICIPALITY = OpenApiParameter(
    "municipality", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False,
    description="The municipality's 6-digit JIS code. Required for anonymous reads; a coordinator "
    "serving several municipalities picks one with it. Kiosks and volunteers use their own.",
    examples=[OpenApiExample("Yame", value="402109")],
)

TIME_TAKEN_EXAMPLE = OpenApiExample(
    "Time no longer free", status_codes=["409"], response_only=True,
    value={"error": {"code": "slot_taken", "message": "申し訳ありません。この時間はたった今ほかの方が予約されました。"}},
)

INVALID_EXAMPLE = OpenApiExample(
    "Bad input", status_codes=["400"], response_only=True,
    value={"error": {"code": "invalid", "message": "入力内容を確認してください。",
                     "fields": {"learner.phone": ["電話番号が正しくありません。もう一度お確かめください。"]}}},
)

NOT_FOUND_EXAMPLE = OpenApiExample(
    "Not found (or not yours)", status_codes=["404"], response_only=True,
    value={"error": {"code": "not_found", "message": "見つかりませんでした。"}},
)
