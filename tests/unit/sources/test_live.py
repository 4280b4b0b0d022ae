"""Live source pieces that need no server: lazy import, the anonymous configuration, Retry-After."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from k8saudit.runtime.errors import InputError
from k8saudit.sources.live import LiveOptions, _anonymous_config, _load_config, _Response, _retry_after

KUBECONFIG = """
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://10.0.0.1:6443", certificate-authority: "%(ca)s"}
users:
- name: u
  user: {token: s3cr3t-token, client-certificate: "%(ca)s", client-key: "%(ca)s"}
contexts:
- name: prod
  context: {cluster: c, user: u}
current-context: prod
"""


def write_kubeconfig(tmp_path: Path) -> Path:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG % {"ca": ca})
    return path


def test_importing_the_cli_and_the_live_source_does_not_import_kubernetes() -> None:
    code = "import sys, k8saudit.cli, k8saudit.api, k8saudit.sources.live; print('kubernetes' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_kubeconfig_loads_into_our_own_configuration(tmp_path: Path) -> None:
    from kubernetes import client

    before = client.Configuration.get_default_copy().host
    target = _load_config(LiveOptions(kubeconfig=write_kubeconfig(tmp_path)))
    assert (target.context, target.server, target.in_cluster) == ("prod", "https://10.0.0.1:6443", False)
    assert target.config.api_key["BearerToken"] == "Bearer s3cr3t-token"
    assert client.Configuration.get_default_copy().host == before  # the global default is untouched


def test_the_anonymous_configuration_keeps_the_ca_and_drops_every_credential(tmp_path: Path) -> None:
    target = _load_config(LiveOptions(kubeconfig=write_kubeconfig(tmp_path)))
    anon = _anonymous_config(target.config)
    assert anon.host == target.config.host
    assert anon.ssl_ca_cert == target.config.ssl_ca_cert and anon.ssl_ca_cert
    assert anon.verify_ssl is True
    assert not anon.api_key and anon.auth_settings() == {}
    assert anon.cert_file is None and anon.key_file is None
    assert anon.refresh_api_key_hook is None


def test_unknown_context_names_the_ones_there_are(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no context 'dev' .*available: prod"):
        _load_config(LiveOptions(kubeconfig=write_kubeconfig(tmp_path), context="dev"))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"Retry-After": "3"}, 3.0), ({"retry-after": "0"}, 0.0), ({}, None), ({"Retry-After": "Fri, 31 Dec"}, None)],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert _retry_after(_Response(429, "Too Many Requests", b"", headers)) == expected
