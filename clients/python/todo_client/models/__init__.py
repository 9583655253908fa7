"""Contains all the data models used in inputs/outputs"""

from .get_open_api_response_200 import GetOpenApiResponse200
from .import_data_response_200 import ImportDataResponse200
from .item_state import ItemState
from .problem import Problem
from .problem_conflicts_item import ProblemConflictsItem
from .problem_errors_item import ProblemErrorsItem
from .todo_item import TodoItem
from .todo_item_patch import TodoItemPatch
from .todo_item_write import TodoItemWrite
from .todo_list import TodoList
from .todo_list_patch import TodoListPatch
from .todo_list_write import TodoListWrite

__all__ = (
    "GetOpenApiResponse200",
    "ImportDataResponse200",
    "ItemState",
    "Problem",
    "ProblemConflictsItem",
    "ProblemErrorsItem",
    "TodoItem",
    "TodoItemPatch",
    "TodoItemWrite",
    "TodoList",
    "TodoListPatch",
    "TodoListWrite",
)
