"""``/api/v1/connections``: list, create (JSON, or an uploaded credentials file), get, update, delete, test."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from bchub.domain.connections import Role
from bchub.interfaces.api.auth import hub_of, require_api_token
from bchub.interfaces.api.schemas import ConnectionCreate, ConnectionOut, ConnectionUpdate, TestOut
from bchub.interfaces.uploads import credentials_file_text
from bchub.interfaces.views import connection_view, report_view
from bchub.sync.connections import ConnectionChanges, CredentialInput, NewConnection

UPLOAD_MAX = 1_000_000  # the whole multipart body: refused (413) before it is parsed onto disk

router = APIRouter(prefix="/api/v1/connections", tags=["connections"], dependencies=[Depends(require_api_token)])


@router.get("", response_model=list[ConnectionOut])
def list_connections(request: Request) -> list[ConnectionOut]:
    return [
        ConnectionOut.model_validate(connection_view(connection)) for connection in hub_of(request).connections.all()
    ]


@router.post("", response_model=ConnectionOut, status_code=201)
def create_connection(body: ConnectionCreate, request: Request) -> ConnectionOut:
    connection = hub_of(request).connections.add(
        NewConnection(
            role=body.role,
            credentials=body.credentials(),
            name=body.name,
            enabled=body.enabled,
            operations=body.operations,
            settings=body.settings,
        )
    )
    return ConnectionOut.model_validate(connection_view(connection))


@router.post("/upload", response_model=ConnectionOut, status_code=201, max_body_size=UPLOAD_MAX)
def upload_connection(
    request: Request,
    credentials_file: Annotated[
        UploadFile, File(description="The .txt file BigCommerce downloads for an API account.")
    ],
    role: Annotated[Role, Form()] = Role.MERCHANT,
    name: Annotated[str | None, Form(description="Default: the file's NAME.")] = None,
    enabled: Annotated[bool, Form()] = True,
) -> ConnectionOut:
    """Add a connection from an uploaded credentials file (``multipart/form-data``), as the console's Add form does."""
    credentials = CredentialInput(
        credentials_file=credentials_file_text(credentials_file), credentials_file_name=credentials_file.filename
    )
    new = NewConnection(role=role, credentials=credentials, name=name or None, enabled=enabled)
    return ConnectionOut.model_validate(connection_view(hub_of(request).connections.add(new)))


@router.get("/{connection_id}", response_model=ConnectionOut)
def get_connection(connection_id: int, request: Request) -> ConnectionOut:
    return ConnectionOut.model_validate(connection_view(hub_of(request).connections.get(connection_id)))


@router.patch("/{connection_id}", response_model=ConnectionOut)
def update_connection(connection_id: int, body: ConnectionUpdate, request: Request) -> ConnectionOut:
    changes = ConnectionChanges(
        name=body.name,
        role=body.role,
        credentials=body.credentials(),
        enabled=body.enabled,
        operations=body.operations,
        settings=body.settings,
    )
    return ConnectionOut.model_validate(connection_view(hub_of(request).connections.update(connection_id, changes)))


@router.delete("/{connection_id}", status_code=204)
def delete_connection(connection_id: int, request: Request) -> Response:
    hub_of(request).connections.remove(connection_id)
    return Response(status_code=204)


@router.post("/{connection_id}/test", response_model=TestOut)
async def test_connection(connection_id: int, request: Request) -> TestOut:
    """Runs the test and records the connection's health; ``passed`` says how it went."""
    report = await hub_of(request).connections.test(connection_id)
    return TestOut.model_validate(report_view(report))
