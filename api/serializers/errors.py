"""The one error shape every endpoint answers with."""

from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine code, e.g. `slot_taken`, `invalid`, `not_found`.")
    message = serializers.CharField(help_text="A sentence for a person, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Field errors for `invalid`: field name (dotted for nested) → messages.",
    )
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait, for `throttled`.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
