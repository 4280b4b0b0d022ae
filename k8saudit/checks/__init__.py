"""The check catalogue: one module per concern, each check a decorated pure function.

`k8saudit.registry.all_checks()` imports every module here that does not start with `_`.
"""
