from django.conf import settings

from workers import app


def test_reliability_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True
    longest = max(conf.task_time_limit, settings.TRAINING_TIME_LIMIT)
    assert conf.broker_transport_options["visibility_timeout"] > longest


def test_pipeline_steps_are_routed_to_their_queues():
    route = lambda name: conf_routes[name]["queue"]  # noqa: E731
    conf_routes = app.conf.task_routes
    assert route("workers.tasks.slice_karyogram") == "cpu"
    assert route("workers.tasks.enhance_cells") == "gpu"
    assert route("workers.tasks.reassemble") == "cpu"
