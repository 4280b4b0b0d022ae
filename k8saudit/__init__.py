"""k8saudit: audit a live Kubernetes cluster against the NSA/CISA Kubernetes Hardening Guidance.

Kept import-light on purpose: `k8saudit --help` must not pay for the kubernetes client.
The Python API lives in `k8saudit.api` (`collect`, `run_checks`, `render`).
"""

__version__ = "0.1.0"
