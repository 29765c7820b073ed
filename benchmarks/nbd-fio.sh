#!/usr/bin/env bash
# nbd-fio.sh: fio 4 KiB random reads at queue depth 32 (ioengine=nbd) against three NBD servers,
# one after the other in one run, each exporting 256 MiB of RAM over TCP on 127.0.0.1:
#
#   jnvme     the jnvme platform (./jnvme): nvme0n1 of the emulated controller, through the
#             driver, the disk layer and the NBD server
#   nbdkit    nbdkit's memory plugin
#   qemu-nbd  qemu-nbd serving a raw image in /dev/shm
#
# Each export is first filled with data (so no server answers reads from holes), then read for
# RUNTIME seconds; the three take turns for ROUNDS rounds, so that a change in the machine's load
# hits them alike. Prints each round's IOPS, each server's best, and the ratios of jnvme to the
# others.
#
# Needs fio, nbdkit, qemu-nbd, qemu-img and nbdinfo (apt-get install fio nbdkit qemu-utils
# libnbd-bin) and builds the distribution if needed.
# Environment: RUNTIME (seconds per measurement, default 15), ROUNDS (default 2), PORT_BASE
# (first of three TCP ports, default 10820), JAVA_OPTS (passed to the platform).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME="${RUNTIME:-15}"
ROUNDS="${ROUNDS:-2}"
BASE="${PORT_BASE:-10820}"
SIZE=256M

for t in fio nbdkit qemu-nbd qemu-img nbdinfo; do
  command -v "$t" >/dev/null || {
    echo "nbd-fio.sh: $t is missing (apt-get install fio nbdkit qemu-utils libnbd-bin)" >&2
    exit 2
  }
done

WORK="$(mktemp -d /tmp/jnvme-nbd-bench.XXXXXX)"
IMAGE="$(mktemp /dev/shm/jnvme-nbd-bench.XXXXXX.raw)"
pids=()
cleanup() {
  exec 3>&- 2>/dev/null || true # end of input: the platform's shell stops the platform
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
  done
  for p in "${pids[@]}"; do
    while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
  done
  rm -rf "$WORK" "$IMAGE"
}
trap cleanup EXIT

wait_for() {
  local uri="$1"
  for _ in $(seq 1 600); do
    if nbdinfo --size "$uri" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "nbd-fio.sh: no NBD server answered at $uri" >&2
  return 1
}

# ---- the three servers
echo "building the distribution..." >&2
if ! (cd "$ROOT" && mvn -B -q -DskipTests package -pl distribution -am) > "$WORK/build.log" 2>&1; then
  cat "$WORK/build.log" >&2
  exit 1
fi

mkfifo "$WORK/jnvme.in"
JNVME_NO_BUILD=1 JNVME_HOME="$WORK/jnvme" \
  JAVA_OPTS="${JAVA_OPTS:-} -Djnvme.nbd.port=$BASE -Djnvme.nbd.socket=none" \
  "$ROOT/jnvme" < "$WORK/jnvme.in" > "$WORK/jnvme.log" 2>&1 &
pids+=("$!")
exec 3> "$WORK/jnvme.in" # holds the shell's input open while we measure
JNVME_URI="nbd://127.0.0.1:$BASE/nvme0n1"

nbdkit -i 127.0.0.1 -p "$((BASE + 1))" -P "$WORK/nbdkit.pid" memory "$SIZE"
pids+=("$(cat "$WORK/nbdkit.pid")")
NBDKIT_URI="nbd://127.0.0.1:$((BASE + 1))/"

qemu-img create -q -f raw "$IMAGE" "$SIZE"
qemu-nbd --fork --pid-file="$WORK/qemu-nbd.pid" --persistent --shared=8 -f raw \
  -b 127.0.0.1 -p "$((BASE + 2))" -x bench "$IMAGE"
pids+=("$(cat "$WORK/qemu-nbd.pid")")
QEMU_URI="nbd://127.0.0.1:$((BASE + 2))/bench"

# ---- fill, then measure
fill() {
  wait_for "$1"
  fio --name=fill --ioengine=nbd --uri="$1" --rw=write --bs=1M --iodepth=8 --size="$SIZE" \
    >/dev/null
}

measure() {
  local uri="$1"
  fio --name=randread --ioengine=nbd --uri="$uri" --rw=randread --bs=4k --iodepth=32 \
    --size="$SIZE" --time_based --ramp_time=2 --runtime="$RUNTIME" \
    --output-format=terse --terse-version=3 | awk -F';' '$1 == "3" { printf "%d", $8 }'
}

echo "fio randread bs=4k iodepth=32 numjobs=1 runtime=${RUNTIME}s, $SIZE RAM exports over TCP" \
  "127.0.0.1, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
fill "$JNVME_URI"
fill "$NBDKIT_URI"
fill "$QEMU_URI"
jnvme=0 nbdkit=0 qemu=0
printf '%-8s %10s %10s %10s\n' round jnvme nbdkit qemu-nbd
for round in $(seq 1 "$ROUNDS"); do
  j="$(measure "$JNVME_URI")"
  n="$(measure "$NBDKIT_URI")"
  q="$(measure "$QEMU_URI")"
  printf '%-8s %10d %10d %10d\n' "$round" "$j" "$n" "$q"
  ((j > jnvme)) && jnvme="$j"
  ((n > nbdkit)) && nbdkit="$n"
  ((q > qemu)) && qemu="$q"
done
printf '%-8s %10d %10d %10d\n' best "$jnvme" "$nbdkit" "$qemu"
awk -v j="$jnvme" -v n="$nbdkit" -v q="$qemu" 'BEGIN {
  printf "jnvme/nbdkit = %.2f   jnvme/qemu-nbd = %.2f\n", j / n, j / q
}'
