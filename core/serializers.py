from rest_framework import serializers


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Offending input, e.g. results[2].value")
    code = serializers.CharField()
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API."""

    code = serializers.CharField(help_text="Machine code, e.g. invalid, not_found, conflict")
    message = serializers.CharField(help_text="Human message, zh-hans unless Accept-Language: en")
    field = serializers.CharField(allow_null=True)
    errors = ErrorItemSerializer(many=True)
    request_id = serializers.CharField(
        required=False, help_text="The request's id (also the X-Request-ID header): quote it when asking for help"
    )
