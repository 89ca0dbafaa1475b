"""Prometheus metrics on their own listener move while the SDK works."""

import re
import urllib.request

import gcore
import pytest

import harness


def scrape(url: str) -> dict[str, float]:
    """Every sample of the exposition, keyed by `name{labels}`."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            samples[key] = float(value)
    return samples


def total(samples: dict[str, float], name: str, **labels: str) -> float:
    """Sum of `name` over the samples whose labels include `labels`."""
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(v for k, v in samples.items()
               if re.match(rf"{re.escape(name)}(\{{|$)", k) and all(w in k for w in wanted))


def test_the_metrics_counters_move_during_an_sdk_session(start_deployment):
    port = harness.free_port()
    deployment = start_deployment("--metrics-listen", f"127.0.0.1:{port}")
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    alice = deployment.client("alice")
    before = scrape(metrics_url)

    generated = alice.cloud.ssh_keys.create(name="metrics-generated")
    alice.cloud.ssh_keys.get(generated.id)
    list(alice.cloud.ssh_keys.list(limit=10))
    alice.cloud.ssh_keys.delete(generated.id)
    stranger = gcore.Gcore(api_key="skd_0000000000000000_" + "A" * 43, base_url=deployment.server.url,
                           cloud_project_id=1, max_retries=0)
    with pytest.raises(gcore.AuthenticationError):
        stranger.cloud.ssh_keys.list()

    after = scrape(metrics_url)
    delta = lambda name, **labels: total(after, name, **labels) - total(before, name, **labels)
    assert delta("sshkeyd_keys_created_total", source="generated") == 1
    assert delta("sshkeyd_keys_deleted_total") == 1
    assert delta("sshkeyd_auth_failures_total", reason="unknown") == 1
    route = "/cloud/v1/ssh_keys/{project_id}/{ssh_key_id}"
    assert delta("sshkeyd_http_requests_total", method="GET", route=route, status="200") == 1
    assert delta("sshkeyd_http_requests_total", method="POST", status="201") == 1
    assert delta("sshkeyd_http_request_duration_seconds_count", method="DELETE", route=route) == 1
    assert delta("sshkeyd_store_operation_duration_seconds_count", operation="create_key") == 1
    assert total(after, "sshkeyd_http_requests_in_flight") == 0, "nothing is left in flight"
    # Labels are bounded: no key id, name or token ever appears.
    exposition = "\n".join(after)
    for secret in (generated.id, "metrics-generated", deployment.tokens["alice"], "skd_"):
        assert secret not in exposition
    deployment.stop_gracefully()
