"""The scheduler finds every domain's jobs and runs each when its interval has passed."""

from huitian import scheduler


def test_the_sla_sweep_is_a_registered_job():
    assert "sla.sweep" in [job.name for job in scheduler.all_jobs()]


def test_a_job_runs_when_due_and_not_again_before_its_interval(db):
    calls: list[int] = []
    job = scheduler.Job(
        name="t.count", run=lambda _db: calls.append(1) or len(calls), interval_s=lambda: 3600
    )
    last_run: dict[str, float] = {}
    assert scheduler.run_due(db, [job], last_run) == {"t.count": 1}
    assert scheduler.run_due(db, [job], last_run) == {}
    assert calls == [1]


def test_a_failing_job_does_not_stop_the_others(db):
    def boom(_db):
        raise RuntimeError("broken job")

    jobs = [scheduler.Job(name="t.boom", run=boom), scheduler.Job(name="t.ok", run=lambda _db: 7)]
    assert scheduler.run_due(db, jobs, {}) == {"t.ok": 7}
