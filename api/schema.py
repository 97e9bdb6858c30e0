"""OpenAPI: every operation documents the error shape for the statuses any endpoint can answer,
and the kiosk device key appears as a security scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from api.serializers.errors import ErrorSerializer

# Any operation can refuse input (400), a bad credential (401), a role (403), a missing or
# foreign object (404) or a caller over its rate (429).
COMMON_ERROR_STATUSES = ("400", "401", "403", "404", "429")


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status_code in COMMON_ERROR_STATUSES:
            if status_code not in responses:
                responses[status_code] = self._get_response_for_code(ErrorSerializer, status_code, direction=direction)
        return responses


class DeviceKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.DeviceKeyAuthentication"
    name = "deviceKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A registered kiosk: `Authorization: Device <key>`.",
        }
