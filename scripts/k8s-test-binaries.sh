#!/usr/bin/env bash
# Builds the Kubernetes binaries from source through the Go module proxy, and installs them where
# fabric8 kube-api-test looks for them: $KUBE_API_TEST_DIR/k8s/<version>-<os>-<arch>/.
#   - the operator's tests run against kube-apiserver, etcd and kubectl (kube-api-test);
#   - the local single-node cluster (scripts/local-cluster.sh) adds kube-controller-manager,
#     kube-scheduler, kubelet, kube-proxy and CoreDNS.
#
# kube-api-test would otherwise download release archives from sites that the build machines
# cannot reach. A second run finds the binaries in place, checks their versions, and exits.
#
# Usage: scripts/k8s-test-binaries.sh [--check] [--force] [--print-dir]
#   --check      only verify the installed binaries; exit 1 when they are missing or stale
#   --force      rebuild even when the installed binaries look right
#   --print-dir  print the install directory and exit
#
# Environment:
#   KUBE_API_TEST_DIR   kube-api-test's root directory (default ~/.kubeapitest)
#   ADAPT_K8S_BUILD_DIR wrapper modules and logs (default ${XDG_CACHE_HOME:-~/.cache}/adapt/k8s-build)
#   K8S_BUILD_JOBS      parallel compile jobs, go build -p (default: number of cores)
#   K8S_BUILD_NICE      niceness of the build (default 10)
set -euo pipefail

# ---- Pinned versions: the only place to change them. -------------------------------------
# Kubernetes release; every k8s.io staging module is pinned to the matching v0.<minor>.<patch>.
K8S_VERSION=1.34.12
# etcd: the release kubeadm pairs with Kubernetes 1.34, and the etcd client version that
# k8s.io/kubernetes v1.34.x itself requires.
ETCD_VERSION=3.6.4
# CoreDNS: the release kubeadm installs with Kubernetes 1.34.
COREDNS_VERSION=1.12.1
# Oldest Go that builds both (k8s.io/kubernetes v1.34.12 declares go 1.25.0).
GO_MIN_VERSION=1.25
# ------------------------------------------------------------------------------------------

readonly K8S_MODULE=k8s.io/kubernetes
readonly ETCD_MODULE=go.etcd.io/etcd/server/v3
readonly COREDNS_MODULE=github.com/coredns/coredns
readonly K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

log() { printf '[k8s-test-binaries] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# Any failure not reported more precisely below still says where it happened.
trap 'log "ERROR: failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

mode=build
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    --force) mode=force ;;
    --print-dir) mode=print-dir ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument: $arg (see --help)" ;;
  esac
done

command -v go >/dev/null || die "the Go toolchain (go ${GO_MIN_VERSION}+) is required: apt-get install golang-go or see go.dev"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
goos=$(go env GOOS)
goarch=$(go env GOARCH)
[[ "$goos" == linux ]] || die "only Linux hosts are supported (go env GOOS = $goos)"

api_test_dir=${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}
install_dir="$api_test_dir/k8s/${K8S_VERSION}-${goos}-${goarch}"
build_root=${ADAPT_K8S_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/adapt/k8s-build}
jobs=${K8S_BUILD_JOBS:-$(nproc)}
niceness=${K8S_BUILD_NICE:-10}

if [[ "$mode" == print-dir ]]; then
  echo "$install_dir"
  exit 0
fi

# Prints the problem with the installed binaries, or nothing when they are all right.
installed_problem() {
  local bin
  for bin in "${K8S_COMMANDS[@]}" etcd coredns; do
    [[ -x "$install_dir/$bin" ]] || {
      echo "$install_dir/$bin is missing"
      return
    }
  done
  local want="v${K8S_VERSION}" got
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy; do
    got=$("$install_dir/$bin" --version 2>&1 | awk '{print $2}') || true
    [[ "$got" == "$want" ]] || {
      echo "$bin reports '$got', expected $want"
      return
    }
  done
  got=$("$install_dir/kubectl" version --client 2>&1 | awk '/Client Version/ {print $3}') || true
  [[ "$got" == "$want" ]] || {
    echo "kubectl reports '$got', expected $want"
    return
  }
  got=$("$install_dir/etcd" --version 2>&1 | awk '/etcd Version/ {print $3}') || true
  [[ "$got" == "$ETCD_VERSION" ]] || {
    echo "etcd reports '$got', expected $ETCD_VERSION"
    return
  }
  got=$("$install_dir/coredns" -version 2>&1 | head -n 1) || true
  [[ "$got" == "CoreDNS-$COREDNS_VERSION" ]] || {
    echo "coredns reports '$got', expected CoreDNS-$COREDNS_VERSION"
    return
  }
}

start=$SECONDS
if [[ "$mode" != force ]]; then
  problem=$(installed_problem)
  if [[ -z "$problem" ]]; then
    log "Kubernetes v${K8S_VERSION} and etcd v${ETCD_VERSION} are installed in $install_dir ($((SECONDS - start))s)"
    exit 0
  fi
  [[ "$mode" == check ]] && die "$problem; run scripts/k8s-test-binaries.sh to build them"
  log "$problem: building"
fi

go_version=$(go env GOVERSION | sed 's/^go//')
if [[ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$go_version" | sort -V | head -1)" != "$GO_MIN_VERSION" ]]; then
  die "Go $go_version is too old: Kubernetes v${K8S_VERSION} needs Go ${GO_MIN_VERSION} or newer"
fi

mkdir -p "$build_root/logs" "$api_test_dir/k8s"
# Two concurrent runs (a developer and a test run, say) would race on the same directories.
exec 9>"$build_root/.lock"
if ! flock -n 9; then
  log "another build is running (lock $build_root/.lock); waiting for it"
  flock 9
  if [[ "$mode" != force && -z "$(installed_problem)" ]]; then
    log "the other build installed them in $install_dir"
    exit 0
  fi
fi

# Runs a named step in a directory with its output in a log file, and prints how long it
# took; on failure shows the end of the log and exits.
step() {
  local name=$1 dir=$2 t0=$SECONDS
  local step_log="$build_root/logs/$name.log"
  shift 2
  log "step $name ..."
  if ! (cd "$dir" && "$@") >"$step_log" 2>&1; then
    log "last lines of $step_log:"
    tail -n 40 "$step_log" >&2
    die "step '$name' failed after $((SECONDS - start))s; full log: $step_log"
  fi
  log "step $name done in $((SECONDS - t0))s"
}

# Prints a field of `go list -m -json` for a module version (fetches its go.mod and .info).
module_field() {
  go list -m -json "$1@$2" | awk -v key="\"$3\":" '$1 == key {gsub(/[",]/, "", $2); print $2; exit}'
}

# Writes the wrapper module that builds the Kubernetes commands of release $K8S_VERSION.
write_k8s_module() {
  local dir=$1 gomod
  gomod=$(module_field "$K8S_MODULE" "v$K8S_VERSION" GoMod) ||
    die "cannot resolve $K8S_MODULE v$K8S_VERSION through the Go module proxy ($(go env GOPROXY))"
  [[ -s "$gomod" ]] || die "the proxy served no go.mod for $K8S_MODULE v$K8S_VERSION"
  # Staging modules are required as v0.0.0 and replaced by ./staging/src/k8s.io/<name> in
  # kubernetes' own go.mod; replace directives of a dependency are ignored, so the wrapper
  # replaces each with the version published for this release.
  local staging
  staging=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\/src\// {print $1}' "$gomod" | sort -u)
  [[ -n "$staging" ]] || die "found no staging replacements in $gomod"
  {
    echo "// Generated by scripts/k8s-test-binaries.sh; do not edit."
    echo "module adapt.local/k8s-test-binaries"
    echo
    grep -E '^(go|godebug) ' "$gomod"
    echo
    echo "require $K8S_MODULE v$K8S_VERSION"
    echo
    echo "replace ("
    local m
    for m in $staging; do echo "	$m => $m v0.${K8S_VERSION#1.}"; done
    echo ")"
    echo
    echo "tool ("
    for m in "${K8S_COMMANDS[@]}"; do echo "	$K8S_MODULE/cmd/$m"; done
    echo ")"
  } >"$dir/go.mod"
  log "wrapper module $dir/go.mod replaces $(wc -w <<<"$staging") staging modules with v0.${K8S_VERSION#1.}"
}

# Writes a wrapper module whose only tool is the main package of module $2 at version $3.
write_tool_module() {
  local dir=$1 module=$2 version=$3
  {
    echo "// Generated by scripts/k8s-test-binaries.sh; do not edit."
    echo "module adapt.local/$(basename "$dir")"
    echo
    echo "go 1.25.0"
    echo
    echo "require $module v$version"
    echo
    echo "tool $module"
  } >"$dir/go.mod"
}

k8s_ldflags() {
  local commit date pkg flags="-s -w"
  commit=$(module_field "$K8S_MODULE" "v$K8S_VERSION" Hash)
  date=$(module_field "$K8S_MODULE" "v$K8S_VERSION" Time)
  # The same variables hack/lib/version.sh stamps; /version and --version read them.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=v$K8S_VERSION"
    flags+=" -X $pkg.gitMajor=${K8S_VERSION%%.*}"
    flags+=" -X $pkg.gitMinor=$(cut -d. -f2 <<<"$K8S_VERSION")"
    flags+=" -X $pkg.gitCommit=${commit:-unknown}"
    flags+=" -X $pkg.gitTreeState=clean"
    flags+=" -X $pkg.buildDate=${date:-1970-01-01T00:00:00Z}"
  done
  echo "$flags"
}

k8s_dir="$build_root/kubernetes-v$K8S_VERSION"
etcd_dir="$build_root/etcd-v$ETCD_VERSION"
coredns_dir="$build_root/coredns-v$COREDNS_VERSION"
# Next to the install directory (same file system, so the final rename is atomic), under a name
# kube-api-test does not take for a version directory.
stage_dir="$api_test_dir/k8s/.building-${K8S_VERSION}"
rm -rf "$stage_dir"
mkdir -p "$k8s_dir" "$etcd_dir" "$coredns_dir" "$stage_dir"

log "building Kubernetes v$K8S_VERSION, etcd v$ETCD_VERSION and CoreDNS v$COREDNS_VERSION for $goos/$goarch with $(go env GOVERSION)" \
  "(-p $jobs, nice $niceness); Go caches: $(go env GOMODCACHE), $(go env GOCACHE)"

write_k8s_module "$k8s_dir"
step k8s-mod-tidy "$k8s_dir" go mod tidy
step k8s-build "$k8s_dir" nice -n "$niceness" go build -p "$jobs" -trimpath \
  -tags notest,grpcnotrace -ldflags "$(k8s_ldflags)" -o "$stage_dir/" \
  "${K8S_COMMANDS[@]/#/$K8S_MODULE/cmd/}"

write_tool_module "$etcd_dir" "$ETCD_MODULE" "$ETCD_VERSION"
etcd_commit=$(module_field "$ETCD_MODULE" "v$ETCD_VERSION" Hash) ||
  die "cannot resolve $ETCD_MODULE v$ETCD_VERSION through the Go module proxy ($(go env GOPROXY))"
step etcd-mod-tidy "$etcd_dir" go mod tidy
step etcd-build "$etcd_dir" nice -n "$niceness" go build -p "$jobs" -trimpath \
  -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${etcd_commit:0:12}" \
  -o "$stage_dir/etcd" "$ETCD_MODULE"

write_tool_module "$coredns_dir" "$COREDNS_MODULE" "$COREDNS_VERSION"
coredns_commit=$(module_field "$COREDNS_MODULE" "v$COREDNS_VERSION" Hash) ||
  die "cannot resolve $COREDNS_MODULE v$COREDNS_VERSION through the Go module proxy ($(go env GOPROXY))"
step coredns-mod-tidy "$coredns_dir" go mod tidy
step coredns-build "$coredns_dir" nice -n "$niceness" go build -p "$jobs" -trimpath \
  -ldflags "-s -w -X $COREDNS_MODULE/coremain.GitCommit=${coredns_commit:0:12}" \
  -o "$stage_dir/coredns" "$COREDNS_MODULE"

# Swap the whole directory in, so a failed or interrupted build never leaves a partial set.
old_dir="$api_test_dir/k8s/.replaced-${K8S_VERSION}.$$"
if [[ -e "$install_dir" ]]; then mv "$install_dir" "$old_dir"; fi
mv "$stage_dir" "$install_dir"
rm -rf "$old_dir"
problem=$(installed_problem)
[[ -z "$problem" ]] || die "built binaries fail the version check: $problem"

log "installed in $install_dir in $((SECONDS - start))s:"
ls -l "$install_dir" >&2
