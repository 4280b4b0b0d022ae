//go:build tools

// Package tools pins the main packages that build.sh compiles: the real
// kube-apiserver from k8s.io/kubernetes and the etcd server binary.
// Nothing here is ever compiled into the k8saudit project itself.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
