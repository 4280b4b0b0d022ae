//go:build tools

// Package tools pins the main packages built from this module: the real
// kube-apiserver and etcd (tests/apiserver/build.sh, the apiserver tier) and
// kube-controller-manager, kube-scheduler, kubelet and kubectl
// (tests/e2e/cluster/build.sh, the local single-node cluster of the e2e tier).
// Nothing here is ever compiled into the k8saudit project itself.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
