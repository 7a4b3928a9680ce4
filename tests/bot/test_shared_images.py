"""Which files of a thread reply are taken as images to attach (the worker's bytes check decides)."""

from __future__ import annotations

from typing import Any

from bot.listeners.media import attach_key, shared_images


def test_image_files_of_a_file_share_are_taken_in_order() -> None:
    event = {
        "subtype": "file_share",
        "files": [
            {"id": "F1", "name": "shot.png", "mimetype": "image/png"},
            {"id": "F2", "name": "notes.pdf", "mimetype": "application/pdf"},
            {"id": "F3", "title": "chart", "mimetype": "image/jpeg"},
            {"id": "F4", "file_access": "check_file_info"},  # details left out: files.info will say
        ],
    }
    assert shared_images(event) == [
        {"id": "F1", "name": "shot.png"},
        {"id": "F3", "name": "chart"},
        {"id": "F4", "name": "image"},
    ]


def test_anything_else_attaches_nothing() -> None:
    assert shared_images({"text": "hi"}) == []
    assert shared_images({"subtype": "message_changed", "files": [{"id": "F1", "mimetype": "image/png"}]}) == []
    assert shared_images({"subtype": "file_share", "files": "F1"}) == []
    assert shared_images({"subtype": "file_share", "files": [None, 3, {"id": 7}, {"id": ""}]}) == []
    assert len(shared_images({"subtype": "file_share", "files": [{"id": f"F{n}"} for n in range(30)]})) == 10


def test_one_attach_job_per_event() -> None:
    assert attach_key("Ev1") == "attach:Ev1" and len(attach_key("E" * 500)) == 200


def test_removals_name_images_of_the_revision_or_the_submission_is_not_ours() -> None:
    import pytest

    from bot.blocks.media import submitted_removals
    from bot.parsing.draft_ids import NotOurValue

    def state(*values: object) -> dict[str, Any]:
        return {"remove": {"value": {"type": "checkboxes", "selected_options": [{"value": v} for v in values]}}}

    assert submitted_removals(state("0", "2"), 3) == {0, 2}
    assert submitted_removals({}, 3) == set() and submitted_removals(state(), 3) == set()
    for bad in ("3", "-1", "\uff11", "0x1", 1, None):  # a fullwidth one is not a digit here
        with pytest.raises(NotOurValue):
            submitted_removals(state(bad), 3)
