"""The OpenAPI 3 description of `/api/v1`, written by hand and kept honest by a test that compares
its paths and methods with the app's routes (tests/web/api/test_openapi.py)."""

from __future__ import annotations

from typing import Any

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}}


def _json(description: str, schema: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


_EXPORT_ID = {"name": "export_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
_FILENAME = {"name": "filename", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,80}$"}}
_REFUSED = {"401": _problem("No valid API token (missing, unknown, expired, revoked, or not a researcher's)"),
            "429": _problem("Too many refused tokens from this address: wait and try again"),
            "503": _problem("The service is locked: an operator must unlock the review keys"),
            "default": _problem("Any other error")}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Intake researcher API", "version": "1",
                 "description": "Released anonymised exports and their signed manifests: those released to the "
                                "token's researcher account, and no other (another account's export is not "
                                "found, as an unknown one is). Tokens are created by an admin for a researcher "
                                "account (`flask api token create`, or /admin/tokens), shown once, and "
                                "revocable. Every download is recorded in the audit log."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This description", "security": [],
                "responses": {"200": {"description": "The OpenAPI document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}},
                              "default": _problem("Any other error")}}},
            "/api/v1/exports": {"get": {
                "operationId": "listExports", "summary": "The exports released to this account, newest first",
                "responses": {"200": _json("The released exports", "ExportList"), **_REFUSED}}},
            "/api/v1/exports/{export_id}": {"get": {
                "operationId": "getExport", "summary": "One released export with its signed manifest",
                "parameters": [_EXPORT_ID],
                "responses": {"200": _json("The export and its manifest", "ExportDetail"),
                              "404": _problem("No released export has this id"),
                              "409": _problem("The export's manifest on the server is missing or not the one "
                                              "released"), **_REFUSED}}},
            "/api/v1/exports/{export_id}/files/{filename}": {"get": {
                "operationId": "downloadExportFile", "summary": "Download one file the manifest lists (audited)",
                "parameters": [_EXPORT_ID, _FILENAME],
                "responses": {"200": {"description": "The file, as an attachment; check it against the manifest's "
                                                     "SHA-256", "content": {"*/*": {"schema": {"type": "string",
                                                                                               "format": "binary"}}}},
                              "404": _problem("No such export or file"),
                              "409": _problem("The export's files on the server are missing or not the ones "
                                              "released"), **_REFUSED}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "An API token (itk_...) from an admin"}},
            "schemas": {
                "Problem": {"type": "object", "required": ["type", "title", "status"], "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}}},
                "ExportSummary": {"type": "object",
                                  "required": ["id", "created_at", "measured_k", "suppression_rate", "files",
                                               "manifest_url"],
                                  "properties": {
                                      "id": {"type": "string", "format": "uuid"},
                                      "created_at": {"type": "string", "format": "date-time"},
                                      "measured_k": {"type": "integer", "nullable": True},
                                      "suppression_rate": {"type": "number", "nullable": True},
                                      "files": {"type": "array", "items": {"type": "string"}},
                                      "manifest_url": {"type": "string"}}},
                "ExportList": {"type": "object", "additionalProperties": False, "required": ["exports"],
                               "properties": {"exports": {"type": "array",
                                                          "items": {"$ref": "#/components/schemas/ExportSummary"}}}},
                "ExportDetail": {"allOf": [{"$ref": "#/components/schemas/ExportSummary"}, {
                    "type": "object", "required": ["manifest", "manifest_signature"], "properties": {
                        "manifest": {"type": "object"},
                        "manifest_signature": {"type": "string", "format": "byte", "nullable": True,
                                               "description": "Ed25519 signature of the manifest, base64"}}}]},
            },
        },
    }
