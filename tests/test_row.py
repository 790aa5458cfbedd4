"""Rows: the cycle collector is paused while many are built, and back on afterwards whatever happens."""

from __future__ import annotations

import gc

import pytest

from feeder.posts.row import many_rows


def test_the_collector_is_paused_inside_and_restored_after_even_on_an_error() -> None:
    assert gc.isenabled()
    with many_rows():
        assert not gc.isenabled()
        with many_rows():  # nested: the inner block leaves the pause to the outer one
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), many_rows():
        raise KeyError("x")
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with many_rows():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
