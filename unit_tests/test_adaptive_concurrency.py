"""When readers are added to a snapshot read: CPU headroom and the scale-up trial, on fake clocks."""

import pytest

from source_fauna.adaptive_concurrency import CpuHeadroom, ScaleUpTrial


def test_cpu_headroom_asks_for_as_many_readers_as_the_idle_cpu_could_feed():
    now, cpu = [0.0], [0.0]
    headroom = CpuHeadroom(busy=0.6, interval=0.1, clock=lambda: now[0], cpu=lambda: cpu[0])

    def fetch(seconds, cpu_seconds):
        headroom.resume()
        now[0] += seconds
        cpu[0] += cpu_seconds
        headroom.pause()

    fetch(0.05, 0.0)
    assert headroom.more_readers(1) == 0, "judged before a whole interval of fetching"
    fetch(0.05, 0.01)
    assert headroom.more_readers(1) == 0, "one idle interval may be a pause of the machine"
    fetch(0.1, 0.01)
    assert headroom.more_readers(1) == 5, "10 % busy twice with one reader: six readers would make 60 %"
    now[0] += 5.0  # time spent handing records downstream, not fetching, does not count
    fetch(0.2, 0.1)
    assert headroom.more_readers(2) == 1, "50 % busy with two readers"
    fetch(0.2, 0.18)
    assert headroom.more_readers(3) == 0, "90 %: the CPU is the limit"
    fetch(0.1, 0.01)
    assert headroom.more_readers(3) == 0, "idle once after a busy interval"


def _trial_on_a_fake_clock(max_readers=8):
    """A ScaleUpTrial, and `pages(count, seconds_apart)`, which hands it pages that far apart."""
    now = [0.0]
    trial = ScaleUpTrial(max_readers, faster=1.5, wait_pages=32, clock=lambda: now[0])

    def pages(count, seconds_apart):
        for _ in range(count):
            now[0] += seconds_apart
            trial.page()

    return trial, pages


def test_a_trial_keeps_workers_that_make_pages_come_faster():
    trial, pages = _trial_on_a_fake_clock()
    pages(2, 0.1)
    assert not trial.may_start(), "the first page paid for the read's start: no rate before three pages"
    pages(1, 0.1)
    assert trial.may_start()
    pages(1, 0.5)
    pages(40, 0.1)  # one reader: 10 pages per second, measured over the last 32 pages
    trial.start(1, 2)
    assert not trial.may_start(), "one trial at a time"
    pages(2, 0.1)  # every reader's first page: not measured
    pages(15, 0.06)
    assert trial.outcome() is None, "judged on four pages per reader, at least 16"
    pages(1, 0.06)
    assert trial.outcome() is True, "16.7 pages per second is more than 1.5 × 10"
    assert trial.last_rates == pytest.approx((10, 1 / 0.06))


def test_a_slow_stretch_just_before_a_trial_does_not_make_a_small_gain_look_large():
    trial, pages = _trial_on_a_fake_clock()
    pages(30, 0.1)
    pages(4, 0.3)  # the node paused: over the last 8 pages alone, 5 pages per second
    trial.start(1, 2)
    pages(2 + 16, 1 / 11.8)
    assert trial.outcome() is False, "11.8 pages per second is 1.18 × the rate of one reader, not 1.5 ×"
    assert trial.last_rates[0] == pytest.approx(32 / 4.0)


def test_the_rate_before_a_trial_of_many_readers_is_taken_over_all_the_pages_it_asks():
    trial, pages = _trial_on_a_fake_clock(max_readers=32)
    pages(200, 0.2)
    pages(100, 0.1)
    trial.start(31, 32)  # before: over 4 pages per reader, 124 pages: the last 100 and 24 slower ones
    pages(32 + 128, 0.05)
    assert trial.outcome() is not None
    assert trial.last_rates[0] == pytest.approx(124 / (100 * 0.1 + 24 * 0.2))


def test_workers_that_join_proven_readers_are_on_trial_too_and_need_half_the_gain_they_could_bring():
    trial, pages = _trial_on_a_fake_clock()
    pages(9, 0.1)
    trial.start(1, 2)
    pages(2 + 16, 0.06)
    assert trial.outcome() is True
    assert trial.may_start(), "a success lets the next workers join at once"
    trial.start(2, 3)  # before: 1 / 0.06 pages per second, over the pages since the second reader joined; 3 readers must bring 1.25 × that
    pages(3 + 16, 0.06 / 1.2)
    assert trial.outcome() is False, "1.2 × is short of half the gain a third reader could bring"
    assert not trial.may_start()
    pages(64, 0.05)
    trial.start(2, 3)
    pages(3 + 16, 0.05 / 1.3)
    assert trial.outcome() is True, "1.3 × is more than 1.25 ×"
    trial.start(3, 8)  # were the wait all network: 2.67 ×; pages must come 1.5 × as fast, the most a trial asks
    pages(8 + 32, 0.05 / 1.3 / 1.55)
    assert trial.outcome() is True


def test_a_trial_stops_workers_that_do_not_and_tries_again_later():
    trial, pages = _trial_on_a_fake_clock()
    pages(9, 0.1)
    trial.start(1, 3)
    pages(3 + 16, 0.07)  # 14.3 pages per second with three readers: short of 1.5 × 10
    assert trial.outcome() is False
    pages(63, 0.1)
    assert not trial.may_start(), "the next trial waits 64 pages after a first failure"
    pages(1, 0.1)
    assert trial.may_start()
    trial.start(1, 2)
    pages(2 + 16, 0.1)
    assert trial.outcome() is False
    pages(127, 0.1)
    assert not trial.may_start(), "and twice as long after a second one"
    pages(1, 0.1)
    assert trial.may_start()
    trial.start(1, 8)
    pages(8 + 32, 0.065)  # 15.4 pages per second: 1.5 × is enough, however many joined (the CPU may be the limit)
    assert trial.outcome() is True
