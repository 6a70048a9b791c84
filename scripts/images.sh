#!/usr/bin/env bash
# Builds the project's container images without Docker or a registry, and writes each one as a
# docker-archive that `ctr images import` (containerd) and `docker load` read, names included.
#
# The Java images are built from the project's own Dockerfiles with buildah (chroot isolation,
# vfs storage in a private store), on a Debian base with a Java 17 runtime that the script makes
# with debootstrap from the Debian mirror this machine's apt already uses. The root file system
# of that base is cached; an image whose inputs (Dockerfile, jar, libraries, base, binaries) have
# not changed since its archive was written is not rebuilt.
#
# Usage: scripts/images.sh [--out DIR] [--force] [--force-base] [NAME ...]
#        scripts/images.sh --print-dir [--out DIR]
#   NAME          pause, etcd, operator, dispatcher, worker (default: all of them)
#   --out DIR     where the archives go, DIR/<name>.tar (default ${XDG_CACHE_HOME:-~/.cache}/adapt/images)
#   --force       rebuild the named images even when their inputs have not changed
#   --force-base  also rebuild the base image's root file system (debootstrap); implies --force
#   --print-dir   print the archive directory and exit
# Prints one line per image on stdout: its name and its archive's path. Needs root.
#
# The Java images need the Maven build first:
#   ./mvnw -B -DskipTests package -pl operator,dispatcher-image,worker-image -am
# The etcd image runs scripts/k8s-test-binaries.sh for its etcd binary (built once, cached).
#
# Environment:
#   ADAPT_IMAGE_BUILD_DIR  base root file system, buildah store, logs
#                          (default ${XDG_CACHE_HOME:-~/.cache}/adapt/image-build)
#   ADAPT_BUILDAH_RUNROOT  buildah's run-time state (default /run/adapt-images/buildah-<id of the store>)
#   ADAPT_BUILDAH_DRIVER   buildah storage driver (default vfs; overlay is faster where it works)
#   ADAPT_DEBIAN_MIRROR    Debian mirror for the base, when apt's sources have no bookworm entry
set -euo pipefail

# ---- Pinned versions: the only place to change them. -------------------------------------
# The release deploy/operator/deployment.yaml names.
ADAPT_VERSION=0.1.0
# etcd as scripts/k8s-test-binaries.sh builds it; pause as the sandbox image Kubernetes 1.34 uses.
ETCD_VERSION=3.6.4
PAUSE_VERSION=3.10
# The base: Debian release, debootstrap variant, and the packages the Dockerfiles need on top
# (useradd is in passwd).
DEBIAN_SUITE=bookworm
DEBIAN_VARIANT=minbase
BASE_PACKAGES=(openjdk-17-jre-headless passwd)
BASE_IMAGE=localhost/adapt-base-jre:17-${DEBIAN_SUITE}
# Bump when the way the root file system is made changes, so that cached ones are rebuilt.
BASE_RECIPE=1
# ------------------------------------------------------------------------------------------

readonly ALL_IMAGES=(pause etcd operator dispatcher worker)
declare -A IMAGE_TAG=(
  [pause]=localhost/adapt-pause:${PAUSE_VERSION}
  [etcd]=localhost/adapt-etcd:v${ETCD_VERSION}
  [operator]=ghcr.io/adapt-dev/adapt-operator:${ADAPT_VERSION}
  [dispatcher]=ghcr.io/adapt-dev/adapt-dispatcher:${ADAPT_VERSION}
  [worker]=ghcr.io/adapt-dev/adapt-worker:${ADAPT_VERSION}
)
# Maven module (build context) and jar name of the Java images.
declare -A MODULE=([operator]=operator [dispatcher]=dispatcher-image [worker]=worker-image)
declare -A JAR=([operator]=adapt-operator [dispatcher]=adapt-dispatcher [worker]=adapt-worker)
readonly MAVEN_CMD="./mvnw -B -DskipTests package -pl operator,dispatcher-image,worker-image -am"

log() { printf '[images] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}
trap 'log "ERROR: failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_base=${XDG_CACHE_HOME:-$HOME/.cache}/adapt
out_dir=$cache_base/images
mode=build
force=0
force_base=0
names=()
while (($#)); do
  case "$1" in
    --out)
      (($# >= 2)) || die "--out needs a directory"
      out_dir=$2
      shift
      ;;
    --out=*) out_dir=${1#--out=} ;;
    --force) force=1 ;;
    --force-base) force=1 force_base=1 ;;
    --print-dir) mode=print-dir ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *)
      [[ -n "${IMAGE_TAG[$1]:-}" ]] || die "unknown image '$1'; the images are: ${ALL_IMAGES[*]}"
      names+=("$1")
      ;;
  esac
  shift
done
((${#names[@]})) || names=("${ALL_IMAGES[@]}")
mkdir -p "$out_dir" 2>/dev/null || true
out_dir=$(cd "$out_dir" 2>/dev/null && pwd || echo "$out_dir")

if [[ "$mode" == print-dir ]]; then
  echo "$out_dir"
  exit 0
fi

[[ $EUID -eq 0 ]] || die "run as root: debootstrap and buildah's chroot isolation need it"
[[ "$(uname -m)" == x86_64 ]] || die "only x86_64 hosts are supported (the images are linux/amd64)"

build_dir=${ADAPT_IMAGE_BUILD_DIR:-$cache_base/image-build}
# One run directory per store: two stores must not share one.
runroot=${ADAPT_BUILDAH_RUNROOT:-/run/adapt-images/buildah-$(sha256sum <<<"$build_dir" | cut -c1-12)}
driver=${ADAPT_BUILDAH_DRIVER:-vfs}
base_dir=$build_dir/base
rootfs_tar=$base_dir/rootfs-$DEBIAN_SUITE.tar.gz
rootfs_stamp=$base_dir/rootfs-$DEBIAN_SUITE.stamp
mkdir -p "$out_dir" "$build_dir/logs" "$base_dir"

# Two concurrent runs would race on the store and the archives.
exec 9>"$build_dir/.lock"
if ! flock -n 9; then
  log "another build is running (lock $build_dir/.lock); waiting for it"
  flock 9
fi

start=$SECONDS
work=$(mktemp -d "$build_dir/work.XXXXXX")
cleanup() {
  # Working containers of a failed step; the store is this script's own, so all of them.
  if [[ -d "$build_dir/buildah" ]] && command -v buildah >/dev/null; then
    bh rm --all >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Runs a named step with its output in a log file, and prints how long it took; on failure shows
# the end of the log and exits.
step() {
  local name=$1 t0=$SECONDS
  local step_log="$build_dir/logs/$name.log"
  shift
  log "step $name ..."
  if ! "$@" >"$step_log" 2>&1; then
    log "last lines of $step_log:"
    tail -n 40 "$step_log" >&2
    die "step '$name' failed after $((SECONDS - start))s; full log: $step_log"
  fi
  log "step $name done in $((SECONDS - t0))s"
}

# buildah on the script's own store, leaving the machine's container storage alone.
bh() {
  buildah --root "$build_dir/buildah" --runroot "$runroot" --storage-driver "$driver" "$@"
}

# Installs the Debian packages of the given "path-or-command:package" pairs that are missing.
ensure_packages() {
  local pair missing=()
  for pair in "$@"; do
    if [[ "${pair%%:*}" == /* ]]; then
      [[ -e "${pair%%:*}" ]] || missing+=("${pair#*:}")
    else
      command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    fi
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "missing ${missing[*]}, and there is no apt-get to install them"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y "${missing[@]}" >"$build_dir/logs/apt-install.log" 2>&1; then
    step apt-update apt-get update
    step apt-install apt-get install -y "${missing[@]}"
  fi
}

# ---- The base image -----------------------------------------------------------------------

# Prints "URI SUITE" for every enabled deb source in apt's configuration, one-line and deb822.
apt_sources() {
  local dir file
  dir=$(apt-config dump Dir::Etc 2>/dev/null | awk -F'"' '$1 == "Dir::Etc " {print $2}')
  dir=/${dir:-etc/apt}
  dir=${dir%/}
  for file in "$dir/sources.list" "$dir"/sources.list.d/*.list; do
    [[ -f "$file" ]] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$file" | awk '$1 == "deb" && NF >= 3 {print $2, $3}'
  done
  for file in "$dir"/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    awk '
      function flush(  n, m, i, j, u, s) {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
          n = split(uris, u, /[ \t]+/); m = split(suites, s, /[ \t]+/)
          for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (u[i] != "" && s[j] != "") print u[i], s[j]
        }
        types = uris = suites = enabled = last = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { if (last == "uris") uris = uris " " $0; else if (last == "suites") suites = suites " " $0; next }
      {
        key = tolower($0); sub(/:.*/, "", key); val = $0; sub(/^[^:]*:[ \t]*/, "", val); last = ""
        if (key == "types") types = val
        else if (key == "uris") { uris = val; last = "uris" }
        else if (key == "suites") { suites = val; last = "suites" }
        else if (key == "enabled") enabled = tolower(val)
      }
      END { flush() }' "$file"
  done
}

# The mirror serving a suite in apt's sources (empty when none does).
apt_mirror() { apt_sources | awk -v suite="$1" '$2 == suite {print $1; exit}'; }

base_recipe() {
  echo "suite=$DEBIAN_SUITE variant=$DEBIAN_VARIANT arch=amd64 packages=${BASE_PACKAGES[*]} recipe=$BASE_RECIPE"
}

# The root file system's checksum when the cached one matches the recipe; empty otherwise.
rootfs_id() {
  [[ -s "$rootfs_tar" && -s "$rootfs_stamp" ]] || return 0
  [[ "$(sed -n 1p "$rootfs_stamp")" == "$(base_recipe)" ]] || return 0
  sed -n 's/^sha256=//p' "$rootfs_stamp"
}

# Runs a command chrooted into a root file system, with /proc and /dev mounted in a private mount
# namespace: the mounts end with the command, whatever happens to it.
in_rootfs() {
  local root=$1
  shift
  unshare --mount --propagation private -- /bin/sh -euc '
    root=$1
    shift
    mount -t proc proc "$root/proc"
    mount --bind /dev "$root/dev"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive "$@"' in_rootfs "$root" "$@"
}

build_rootfs() {
  local mirror security updates keyring valid_until root=$work/rootfs
  mirror=${ADAPT_DEBIAN_MIRROR:-$(apt_mirror "$DEBIAN_SUITE")}
  [[ -n "$mirror" ]] || die "no apt source for Debian $DEBIAN_SUITE in /etc/apt/sources.list or" \
    "/etc/apt/sources.list.d/*.{list,sources}: add one, or set ADAPT_DEBIAN_MIRROR to a Debian mirror's URL"
  security=$(apt_mirror "$DEBIAN_SUITE-security")
  updates=$(apt_mirror "$DEBIAN_SUITE-updates")
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  ensure_packages debootstrap:debootstrap "$keyring:debian-archive-keyring"
  valid_until=$(apt-config dump Acquire::Check-Valid-Until 2>/dev/null |
    awk -F'"' '$1 == "Acquire::Check-Valid-Until " {print $2}')

  log "making the base root file system: debootstrap --variant=$DEBIAN_VARIANT $DEBIAN_SUITE from apt's" \
    "$DEBIAN_SUITE mirror${security:+, with $DEBIAN_SUITE-security}${updates:+ and $DEBIAN_SUITE-updates}"
  # In a private mount namespace, so that the /proc and /sys debootstrap mounts in the target
  # cannot outlive it.
  step debootstrap unshare --mount --propagation private -- debootstrap --variant="$DEBIAN_VARIANT" \
    --arch=amd64 --components=main --keyring="$keyring" "$DEBIAN_SUITE" "$root" "$mirror"

  {
    echo "deb $mirror $DEBIAN_SUITE main"
    if [[ -n "$updates" ]]; then echo "deb $updates $DEBIAN_SUITE-updates main"; fi
    if [[ -n "$security" ]]; then echo "deb $security $DEBIAN_SUITE-security main"; fi
  } >"$root/etc/apt/sources.list"
  # Like Debian's slim images: no documentation beyond copyright files, now and in later layers.
  cat >"$root/etc/dpkg/dpkg.cfg.d/01-adapt-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
EOF
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chmod 0644 "$root/etc/resolv.conf"
  # update-alternatives fails on the JRE's man page links when their directory is missing.
  mkdir -p "$root/usr/share/man/man1"
  local apt_opts=(-o "Acquire::Check-Valid-Until=${valid_until:-true}")
  step base-apt-update in_rootfs "$root" apt-get "${apt_opts[@]}" update
  step base-apt-install in_rootfs "$root" apt-get "${apt_opts[@]}" install -y \
    --no-install-recommends "${BASE_PACKAGES[@]}"
  step base-java in_rootfs "$root" java -version

  in_rootfs "$root" dpkg-query -W -f '${Package} ${Version}\n' >"$work/packages"
  in_rootfs "$root" apt-get clean
  # The mirror is this machine's business: the image keeps no apt sources, lists or caches.
  rm -f "$root/etc/apt/sources.list" "$root/etc/apt/sources.list.d/"* "$root/etc/hostname"
  : >"$root/etc/resolv.conf"
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
    "$root"/var/lib/dpkg/*-old "$root"/usr/share/man "$root"/usr/share/info \
    "$root"/usr/share/lintian "$root"/usr/share/locale/* "$root"/tmp/* "$root"/var/tmp/* \
    "$root"/root/.cache
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$root/var/log" -type f -delete

  step base-tar tar --numeric-owner --xattrs --xattrs-include='*' --acls \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -C "$root" -czf "$work/rootfs.tar.gz" .
  rm -rf "$root"
  mv "$work/rootfs.tar.gz" "$rootfs_tar"
  {
    base_recipe
    echo "sha256=$(sha256sum "$rootfs_tar" | cut -d' ' -f1)"
    echo "built=$(date -u +%FT%TZ)"
    cat "$work/packages"
  } >"$rootfs_stamp"
  log "base root file system: $rootfs_tar ($(du -h "$rootfs_tar" | cut -f1))," \
    "$(grep -c . "$work/packages") packages, $(grep '^openjdk-17-jre-headless ' "$work/packages")"
}

# The base image in the store, made from the cached root file system (which is made first when
# it is missing or stale).
ensure_base() {
  local id container
  if ((force_base)) || [[ -z "$(rootfs_id)" ]]; then
    build_rootfs
    force_base=0
  fi
  id=$(rootfs_id)
  [[ "$(bh inspect --type image --format '{{index .OCIv1.Config.Labels "dev.adapt.rootfs"}}' \
    "$BASE_IMAGE" 2>/dev/null)" == "$id" ]] && return 0
  log "importing the base root file system into buildah as $BASE_IMAGE"
  bh rmi --force "$BASE_IMAGE" >/dev/null 2>&1 || true
  container=$(bh from --name adapt-base-import scratch)
  step base-import bh add "$container" "$rootfs_tar" /
  bh config --os linux --arch amd64 \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
    --cmd /bin/bash --label dev.adapt.rootfs="$id" \
    --label org.opencontainers.image.description="Debian $DEBIAN_SUITE $DEBIAN_VARIANT with ${BASE_PACKAGES[*]}" \
    "$container"
  step base-commit bh commit --rm "$container" "$BASE_IMAGE"
}

# ---- The images ---------------------------------------------------------------------------

# Checks that a Java image's module was built and prints its jar.
module_jar() {
  local name=$1 dir=$repo/${MODULE[$1]}/target jars=()
  local jar
  for jar in "$dir/${JAR[$name]}"-*.jar; do
    [[ -f "$jar" && "$jar" != *-tests.jar && "$jar" != *-sources.jar ]] && jars+=("$jar")
  done
  ((${#jars[@]})) || die "${MODULE[$name]}/target has no ${JAR[$name]}-*.jar: build it first," \
    "from the repository root: $MAVEN_CMD"
  ((${#jars[@]} == 1)) || die "${MODULE[$name]}/target has more than one ${JAR[$name]} jar" \
    "(${jars[*]##*/}): rebuild it from scratch: ${MAVEN_CMD/ package/ clean package}"
  [[ -d "$dir/lib" && -n "$(ls -A "$dir/lib")" ]] || die "${MODULE[$name]}/target/lib is missing" \
    "or empty: build it first, from the repository root: $MAVEN_CMD"
  echo "${jars[0]}"
}

etcd_binary() {
  local dir
  dir=$("$repo/scripts/k8s-test-binaries.sh" --print-dir)
  if [[ "$("$dir/etcd" --version 2>/dev/null | awk '/etcd Version/ {print $3}')" != "$ETCD_VERSION" ]]; then
    log "no etcd $ETCD_VERSION in $dir: running scripts/k8s-test-binaries.sh"
    "$repo/scripts/k8s-test-binaries.sh" >&2
  fi
  [[ "$("$dir/etcd" --version 2>/dev/null | awk '/etcd Version/ {print $3}')" == "$ETCD_VERSION" ]] ||
    die "$dir/etcd is not etcd $ETCD_VERSION; check scripts/k8s-test-binaries.sh"
  echo "$dir/etcd"
}

# Sets, for an image: dockerfile, context, and build_args; and checks its inputs exist.
describe() {
  local name=$1
  build_args=()
  case "$name" in
    pause)
      dockerfile=$repo/deploy/images/pause/Dockerfile
      context=$work/context-pause
      ensure_packages /usr/bin/catatonit:catatonit
      mkdir -p "$context"
      cp /usr/bin/catatonit "$context/catatonit"
      ;;
    etcd)
      dockerfile=$repo/deploy/images/etcd/Dockerfile
      context=$work/context-etcd
      local etcd
      etcd=$(etcd_binary)
      mkdir -p "$context"
      cp "$etcd" "$context/etcd"
      build_args=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
      ;;
    *)
      module_jar "$name" >/dev/null
      dockerfile=$repo/${MODULE[$name]}/Dockerfile
      context=$repo/${MODULE[$name]}
      build_args=(--build-arg "JRE_IMAGE=$BASE_IMAGE")
      ;;
  esac
}

# The checksum of everything that goes into an image: this script, the Dockerfile, the files the
# build copies (the whole staged context, or the module's jar and target/lib), and the base.
inputs_hash() {
  local name=$1
  {
    echo "tag ${IMAGE_TAG[$name]} driver $driver"
    sha256sum "${BASH_SOURCE[0]}" "$dockerfile" | cut -d' ' -f1
    if [[ "$name" == pause || "$name" == etcd ]]; then
      (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
    else
      local jar
      jar=$(module_jar "$name")
      [[ ! -f "$context/.dockerignore" ]] || sha256sum <"$context/.dockerignore"
      (cd "$context/target" && sha256sum "${jar##*/}" &&
        find lib -type f -print0 | sort -z | xargs -0 sha256sum)
    fi
    if [[ "$name" != pause ]]; then echo "base $(rootfs_id)"; fi
  } | sha256sum | cut -d' ' -f1
}

build_image() {
  local name=$1 tag=${IMAGE_TAG[$1]} archive=$out_dir/$1.tar t0=$SECONDS hash
  describe "$name"
  hash=$(inputs_hash "$name")
  if ((!force)) && [[ -s "$archive" && "$(cat "$archive.inputs" 2>/dev/null)" == "$hash" ]]; then
    log "$tag is up to date: $archive"
    return 0
  fi
  if [[ "$name" != pause ]]; then
    ensure_base
    hash=$(inputs_hash "$name")
  fi
  log "building $tag from ${dockerfile#"$repo"/}"
  rm -f "$archive.inputs"
  step "build-$name" bh bud --isolation chroot --pull=never --layers=false --force-rm \
    --format docker "${build_args[@]}" -f "$dockerfile" -t "$tag" "$context"
  rm -f "$archive.partial"
  step "archive-$name" bh push "$tag" "docker-archive:$archive.partial:$tag"
  mv "$archive.partial" "$archive"
  echo "$hash" >"$archive.inputs"
  # The archive is the product; the store keeps only the base.
  bh rmi "$tag" >/dev/null
  log "built $tag in $((SECONDS - t0))s: $archive ($(du -h "$archive" | cut -f1))"
}

ensure_packages buildah:buildah
for name in "${names[@]}"; do
  build_image "$name"
done
for name in "${names[@]}"; do
  echo "${IMAGE_TAG[$name]} $out_dir/$name.tar"
done
log "done in $((SECONDS - start))s"
