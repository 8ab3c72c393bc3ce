"""The researcher API (`/api/v1`): bearer tokens, released exports, an OpenAPI description."""
