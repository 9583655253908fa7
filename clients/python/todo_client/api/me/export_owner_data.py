from http import HTTPStatus
from typing import Any, cast

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    top: int | Unset = 100,
    cursor: str | Unset = UNSET,
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

    params: dict[str, Any] = {}

    params["top"] = top

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/me/export",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | Problem | str | None:
    if response.status_code == 200:
        response_200 = cast(str, response.content)
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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    top: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Any | Problem | str]:
    """Export the caller's lists and items as NDJSON, a page of lines at a time

    Args:
        top (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_todo_owner (str | Unset):
        if_none_match (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | str]
    """

    kwargs = _get_kwargs(
        top=top,
        cursor=cursor,
        x_todo_owner=x_todo_owner,
        if_none_match=if_none_match,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    top: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Any | Problem | str | None:
    """Export the caller's lists and items as NDJSON, a page of lines at a time

    Args:
        top (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_todo_owner (str | Unset):
        if_none_match (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | str
    """

    return sync_detailed(
        client=client,
        top=top,
        cursor=cursor,
        x_todo_owner=x_todo_owner,
        if_none_match=if_none_match,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    top: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Response[Any | Problem | str]:
    """Export the caller's lists and items as NDJSON, a page of lines at a time

    Args:
        top (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_todo_owner (str | Unset):
        if_none_match (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem | str]
    """

    kwargs = _get_kwargs(
        top=top,
        cursor=cursor,
        x_todo_owner=x_todo_owner,
        if_none_match=if_none_match,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    top: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_todo_owner: str | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
    if_match: str | Unset = UNSET,
) -> Any | Problem | str | None:
    """Export the caller's lists and items as NDJSON, a page of lines at a time

    Args:
        top (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_todo_owner (str | Unset):
        if_none_match (str | Unset):
        if_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem | str
    """

    return (
        await asyncio_detailed(
            client=client,
            top=top,
            cursor=cursor,
            x_todo_owner=x_todo_owner,
            if_none_match=if_none_match,
            if_match=if_match,
        )
    ).parsed
