"""check reports the connector's own message."""

from source_fauna.source import plain_check_message


def test_a_failed_check_shows_the_connectors_message_without_the_cdks_wrapping():
    error = "`collection_settings` names index 'notes_ts' for collection 'users', but it cannot be used."
    wrapped = repr(f"Encountered an error while discovering streams. Error: {error}")
    assert plain_check_message(wrapped) == error
    unavailable = "Dynamic Stream users is not available: the key may not read it"
    assert plain_check_message(repr(unavailable)) == unavailable
    assert plain_check_message("not a repr") == "not a repr"
