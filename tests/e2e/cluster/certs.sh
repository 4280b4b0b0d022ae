#!/usr/bin/env bash
# certs.sh PKI_DIR NODE_NAME NODE_IP: the cluster's CA, every serving and client certificate it
# needs (ECDSA P-256, valid a year) and the service-account key pair. openssl only.
set -euo pipefail
pki=$1 node=$2 nodeip=$3
mkdir -p "$pki"
cd "$pki"
umask 077
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1.key" 2>/dev/null; }
key ca
openssl req -x509 -new -key ca.key -out ca.crt -days 365 -subj "/CN=k8saudit-e2e-ca" 2>/dev/null
cert() {  # cert NAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]
  key "$1"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  {
    echo "extendedKeyUsage=$3"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    [[ -z ${4:-} ]] || echo "subjectAltName=$4"
  } >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" \
    -days 365 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}
# 10.96.0.1: the `kubernetes` Service, which pods reach (in-cluster config)
cert apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,IP:$nodeip,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
cert admin "/O=system:masters/CN=k8saudit-e2e-admin" clientAuth
cert kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
cert kube-scheduler "/CN=system:kube-scheduler" clientAuth
cert kubelet "/O=system:nodes/CN=system:node:$node" clientAuth
cert kubelet-serving "/CN=$node" serverAuth "IP:$nodeip,DNS:$node"
cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
key sa
openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
chmod 0644 ./*.crt sa.pub
