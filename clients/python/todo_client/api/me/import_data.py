from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.import_data_response_200 import ImportDataResponse200
from ...models.problem import Problem
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    *,
    body: File,
    x_todo_owner: str | Unset = UNSET,
    idempotency_key: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_todo_owner, Unset):
        headers["X-Todo-Owner"] = x_todo_owner

    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/me/import",
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/x-ndjson"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ImportDataResponse200 | Problem | None:
    if response.status_code == 200:
        response_200 = ImportDataResponse200.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = cast(Any, None)
        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 411:
        response_411 = Problem.from_dict(response.json())

        return response_411

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ImportDataResponse200 | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: File,
    x_todo_owner: str | Unset = UNSET,
    idempotency_key: str,
) -> Response[Any | ImportDataResponse200 | Problem]:
    """Import lists and items (an export's NDJSON lines) with their ids and dates, all or nothing

    Args:
        x_todo_owner (str | Unset):
        idempotency_key (str):
        body (File): Up to 100 lines, each a JSON object: kind list or item and the fields the API
            returns for a TodoList or TodoItem (ids and dates included); blank lines and CRLF allowed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ImportDataResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        x_todo_owner=x_todo_owner,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: File,
    x_todo_owner: str | Unset = UNSET,
    idempotency_key: str,
) -> Any | ImportDataResponse200 | Problem | None:
    """Import lists and items (an export's NDJSON lines) with their ids and dates, all or nothing

    Args:
        x_todo_owner (str | Unset):
        idempotency_key (str):
        body (File): Up to 100 lines, each a JSON object: kind list or item and the fields the API
            returns for a TodoList or TodoItem (ids and dates included); blank lines and CRLF allowed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ImportDataResponse200 | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        x_todo_owner=x_todo_owner,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: File,
    x_todo_owner: str | Unset = UNSET,
    idempotency_key: str,
) -> Response[Any | ImportDataResponse200 | Problem]:
    """Import lists and items (an export's NDJSON lines) with their ids and dates, all or nothing

    Args:
        x_todo_owner (str | Unset):
        idempotency_key (str):
        body (File): Up to 100 lines, each a JSON object: kind list or item and the fields the API
            returns for a TodoList or TodoItem (ids and dates included); blank lines and CRLF allowed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ImportDataResponse200 | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        x_todo_owner=x_todo_owner,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: File,
    x_todo_owner: str | Unset = UNSET,
    idempotency_key: str,
) -> Any | ImportDataResponse200 | Problem | None:
    """Import lists and items (an export's NDJSON lines) with their ids and dates, all or nothing

    Args:
        x_todo_owner (str | Unset):
        idempotency_key (str):
        body (File): Up to 100 lines, each a JSON object: kind list or item and the fields the API
            returns for a TodoList or TodoItem (ids and dates included); blank lines and CRLF allowed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ImportDataResponse200 | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            x_todo_owner=x_todo_owner,
            idempotency_key=idempotency_key,
        )
    ).parsed
