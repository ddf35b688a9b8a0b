from workers import app


def test_reliability_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True
    longest = max(conf.task_time_limit, __import__("django.conf").conf.settings.TRAINING_TIME_LIMIT)
    assert conf.broker_transport_options["visibility_timeout"] > longest
