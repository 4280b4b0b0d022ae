"""`python -m k8saudit`."""

from k8saudit.cli import main

main()
