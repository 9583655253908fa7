from enum import StrEnum


class ItemState(StrEnum):
    DONE = "done"
    INPROGRESS = "inprogress"
    TODO = "todo"

    def __str__(self) -> str:
        return str(self.value)
