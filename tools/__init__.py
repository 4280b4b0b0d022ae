"""Developer tools: not shipped in the wheel (`pyproject.toml` packages only `k8saudit`)."""
