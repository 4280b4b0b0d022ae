"""The security tier reuses the integration tier's fake API server (TLS on 127.0.0.1, a bearer
token, a realistic cluster) and its kubeconfig."""

from __future__ import annotations

from tests.integration.conftest import fake, fake_api, kubeconfig, tls

__all__ = ["fake", "fake_api", "kubeconfig", "tls"]
