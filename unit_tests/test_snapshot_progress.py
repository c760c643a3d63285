import pytest
from source_fauna.snapshot_progress import SnapshotProgress, is_snapshot_state


def test_pages_read_by_several_readers_leave_the_ids_no_page_covered():
    progress = SnapshotProgress(7)
    progress.narrow_to(100, 1_000)
    progress.read((100, 200))  # the first reader's first page
    progress.read((550, 600))  # a reader that took the far half
    progress.read((200, 250))
    assert progress.remaining == [(250, 550), (600, 1_000)]
    progress.read((600, 1_000))
    progress.read((250, 550))
    assert progress.finished


def test_an_unbounded_read_leaves_what_follows_its_last_page():
    progress = SnapshotProgress(7)
    progress.read((None, 42))
    assert progress.remaining == [(42, None)]
    progress.read((42, None))
    assert progress.finished


def test_the_state_round_trips_and_never_holds_ts():
    progress = SnapshotProgress(1_700_000_000_000_000, [(250, 550), (600, None)])
    state = progress.state()
    assert state == {"snapshot": {"at": 1_700_000_000_000_000, "ranges": [[250, 550], [600, None]]}}
    assert "ts" not in state and is_snapshot_state(state)
    resumed = SnapshotProgress.from_state(state)
    assert (resumed.at, resumed.remaining) == (progress.at, progress.remaining)
    assert not is_snapshot_state({"ts": "5"})


@pytest.mark.parametrize(
    "saved",
    [{"snapshot": None}, {"snapshot": {"at": "soon", "ranges": []}}, {"snapshot": {"at": 5, "ranges": [[1]]}}, {"snapshot": {"at": 5, "ranges": [["1", 2]]}}],
)
def test_a_garbled_snapshot_state_is_refused_with_the_expected_shape(saved):
    with pytest.raises(ValueError, match="ranges"):
        SnapshotProgress.from_state(saved)
