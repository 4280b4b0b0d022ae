module k8saudit/tests/e2e/cluster/pause

go 1.22
