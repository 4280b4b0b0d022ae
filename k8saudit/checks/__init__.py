"""The check catalogue: one module per concern, each check a decorated pure function.

`k8saudit.checks.registry.all_checks()` imports every module here that does not start with `_`.

Cross-references: `cis` ids follow the CIS Kubernetes Benchmark v1.10 numbering, `kubescape`
ids the kubescape/regolibrary controls, `polaris` the Polaris check names.
"""
