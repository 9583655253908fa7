from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.todo_item import TodoItem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    list_id: str,
    item_id: str,
    *,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_todo_owner, Unset):
        headers["X-Todo-Owner"] = x_todo_owner

    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/lists/{list_id}/items/{item_id}".format(
            list_id=quote(str(list_id), safe=""),
            item_id=quote(str(item_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | TodoItem | None:
    if response.status_code == 200:
        response_200 = TodoItem.from_dict(response.json())

        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = cast(Any, None)
        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 412:
        response_412 = Problem.from_dict(response.json())

        return response_412

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | Problem | TodoItem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    list_id: str,
    item_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Any | Problem | TodoItem]:
    """Read an item

    Args:
        list_id (str):
        item_id (str):
        x_todo_owner (str | Unset):
        if_none_match (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | TodoItem]
    """

    kwargs = _get_kwargs(
        list_id=list_id,
        item_id=item_id,
        x_todo_owner=x_todo_owner,
        if_none_match=if_none_match,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    list_id: str,
    item_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Any | Problem | TodoItem | None:
    """Read an item

    Args:
        list_id (str):
        item_id (str):
        x_todo_owner (str | Unset):
        if_none_match (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | TodoItem
    """

    return sync_detailed(
        list_id=list_id,
        item_id=item_id,
        client=client,
        x_todo_owner=x_todo_owner,
        if_none_match=if_none_match,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    list_id: str,
    item_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Any | Problem | TodoItem]:
    """Read an item

    Args:
        list_id (str):
        item_id (str):
        x_todo_owner (str | Unset):
        if_none_match (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | TodoItem]
    """

    kwargs = _get_kwargs(
        list_id=list_id,
        item_id=item_id,
        x_todo_owner=x_todo_owner,
        if_none_match=if_none_match,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    list_id: str,
    item_id: str,
    *,
    client: AuthenticatedClient | Client,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Any | Problem | TodoItem | None:
    """Read an item

    Args:
        list_id (str):
        item_id (str):
        x_todo_owner (str | Unset):
        if_none_match (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | TodoItem
    """

    return (
        await asyncio_detailed(
            list_id=list_id,
            item_id=item_id,
            client=client,
            x_todo_owner=x_todo_owner,
            if_none_match=if_none_match,
            if_match=if_match,
        )
    ).parsed
