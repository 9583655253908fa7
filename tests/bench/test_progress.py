"""The benchmark says where it is: one rewritten line on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from benchmarks.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_writes_one_plain_line_per_step_when_not_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(10, stream)
    for verb in ("get_item", "post_item"):
        with progress.step("http ours", f"{verb} c=8", 5):
            pass
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in stream.getvalue()
    assert "http ours: get_item c=8" in lines[0] and "elapsed" in lines[0] and "left]" in lines[0]


def test_progress_rewrites_one_line_on_a_terminal() -> None:
    stream = _Terminal()
    progress = Progress(10, stream)
    with progress.step("storage", "get_item c=1", 5):
        pass
    with progress.step("storage", "get_item c=8", 5):
        pass
    progress.done()
    text = stream.getvalue()
    assert text.count("\r\x1b[K") == 3 and text.count("\n") == 1  # two updates, then the closing line
    assert text.endswith("\n") and "finished in" in text


def test_the_estimate_left_shrinks_as_planned_work_is_done() -> None:
    progress = Progress(100, io.StringIO())
    before = progress.remaining()
    with progress.step("phase", "half", 50):
        pass
    assert progress.remaining() < before / 2 + 1
