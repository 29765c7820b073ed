#!/usr/bin/env bash
# nbd-fio.sh: fio 4 KiB random reads and random writes at queue depths 1 and 32 (ioengine=nbd)
# against three NBD servers in one run, each exporting 256 MiB of RAM over TCP on 127.0.0.1:
#
#   jnvme     the jnvme platform (./jnvme): nvme0n1 of the emulated controller, through the
#             driver, the disk layer and the NBD server
#   nbdkit    nbdkit's memory plugin
#   qemu-nbd  qemu-nbd serving a raw image in /dev/shm
#
# Each export is first filled with data (so no server answers reads from holes). Then, for
# ROUNDS rounds, every workload runs for RUNTIME seconds against each server in turn, so that a
# change in the machine's load hits them alike. Prints the machine, a table per workload (each
# round's IOPS and each server's best), the ratios of jnvme to the others, and whether jnvme at
# queue depth 32 reaches the better of the two.
#
# The writes are safe: every export is RAM that this script creates and throws away, fio talks
# NBD only (no local file), and the script refuses to start if anything already answers on its
# ports, so it never writes into a server it did not start.
#
# Needs fio, nbdkit, qemu-nbd, qemu-img and nbdinfo (apt-get install fio nbdkit qemu-utils
# libnbd-bin) and builds the distribution if needed.
# Environment: RUNTIME (seconds per measurement, default 10), ROUNDS (default 2), PORT_BASE
# (first of three TCP ports, default 10820), JAVA_OPTS (passed to the platform, e.g. a JFR
# recording), WORKLOADS (default "randread:1 randread:32 randwrite:1 randwrite:32"), SERVERS
# (default "jnvme nbdkit qemu-nbd"; a subset is for profiling, the ratios need all three),
# JNVME_ETC (the platform's configuration directory, default etc/; e.g. a copy whose controller
# has transportOptions=...;inlineExecution=true).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNTIME="${RUNTIME:-10}"
ROUNDS="${ROUNDS:-2}"
BASE="${PORT_BASE:-10820}"
WORKLOADS="${WORKLOADS:-randread:1 randread:32 randwrite:1 randwrite:32}"
SERVERS="${SERVERS:-jnvme nbdkit qemu-nbd}"
SIZE=256M
BYTES=$((256 << 20))
JNVME_CONF="${JNVME_ETC:-$ROOT/etc}"

for t in fio nbdkit qemu-nbd qemu-img nbdinfo; do
  command -v "$t" >/dev/null || {
    echo "nbd-fio.sh: $t is missing (apt-get install fio nbdkit qemu-utils libnbd-bin)" >&2
    exit 2
  }
done
for w in $WORKLOADS; do
  [[ "$w" =~ ^rand(read|write):[0-9]+$ ]] || {
    echo "nbd-fio.sh: bad workload '$w' (randread:DEPTH or randwrite:DEPTH)" >&2
    exit 2
  }
done
for s in $SERVERS; do
  [[ "$s" =~ ^(jnvme|nbdkit|qemu-nbd)$ ]] || {
    echo "nbd-fio.sh: unknown server '$s' (jnvme, nbdkit, qemu-nbd)" >&2
    exit 2
  }
done
has_server() {
  [[ " $SERVERS " == *" $1 "* ]]
}

# The benchmark writes: a server already listening on one of the ports is not ours to write to.
for p in "$BASE" "$((BASE + 1))" "$((BASE + 2))"; do
  if (exec 2>/dev/null; : < "/dev/tcp/127.0.0.1/$p"); then
    echo "nbd-fio.sh: something already listens on 127.0.0.1:$p; set PORT_BASE" >&2
    exit 2
  fi
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

# Waits for the server at $1 and checks that it exports exactly our RAM disk's size.
wait_for() {
  local uri="$1" size=""
  for _ in $(seq 1 600); do
    if size="$(nbdinfo --size "$uri" 2>/dev/null)"; then
      if [[ "$size" != "$BYTES" ]]; then
        echo "nbd-fio.sh: $uri exports $size bytes, not $BYTES: not the RAM disk it started" >&2
        return 1
      fi
      return 0
    fi
    sleep 0.1
  done
  echo "nbd-fio.sh: no NBD server answered at $uri" >&2
  return 1
}

machine() {
  local model
  model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "machine: $(nproc) CPUs, ${model:-unknown CPU}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "jnvme configuration: $JNVME_CONF ($(grep -h '^transportOptions=' "$JNVME_CONF"/io.jnvme.controller-*.cfg 2>/dev/null | head -n 1))"
}

echo "building the distribution..." >&2
if ! (cd "$ROOT" && mvn -B -q -DskipTests package -pl distribution -am) > "$WORK/build.log" 2>&1; then
  cat "$WORK/build.log" >&2
  exit 1
fi
machine

# ---- the servers
declare -A URI
if has_server jnvme; then
  mkfifo "$WORK/jnvme.in"
  # Only the NBD listener of this script's port; the default configuration (etc/) keeps
  # nvme0n1 in memory.
  JNVME_NO_BUILD=1 JNVME_HOME="$WORK/jnvme" JNVME_ETC="$JNVME_CONF" \
    JAVA_OPTS="${JAVA_OPTS:-} -Djnvme.nbd.port=$BASE -Djnvme.nbd.socket=none" \
    "$ROOT/jnvme" < "$WORK/jnvme.in" > "$WORK/jnvme.log" 2>&1 &
  pids+=("$!")
  exec 3> "$WORK/jnvme.in" # holds the shell's input open while we measure
  URI[jnvme]="nbd://127.0.0.1:$BASE/nvme0n1"
fi
if has_server nbdkit; then
  nbdkit -i 127.0.0.1 -p "$((BASE + 1))" -P "$WORK/nbdkit.pid" memory "$SIZE"
  pids+=("$(cat "$WORK/nbdkit.pid")")
  URI[nbdkit]="nbd://127.0.0.1:$((BASE + 1))/"
fi
if has_server qemu-nbd; then
  qemu-img create -q -f raw "$IMAGE" "$SIZE"
  qemu-nbd --fork --pid-file="$WORK/qemu-nbd.pid" --persistent --shared=8 -f raw \
    -b 127.0.0.1 -p "$((BASE + 2))" -x bench "$IMAGE"
  pids+=("$(cat "$WORK/qemu-nbd.pid")")
  URI[qemu-nbd]="nbd://127.0.0.1:$((BASE + 2))/bench"
fi

# ---- fill, then measure
fill() {
  wait_for "$1"
  fio --name=fill --ioengine=nbd --uri="$1" --rw=write --bs=1M --iodepth=8 --size="$SIZE" \
    >/dev/null
}

# measure URI RW DEPTH: prints the IOPS (terse v3: field 8 is read IOPS, field 49 write IOPS).
measure() {
  local uri="$1" rw="$2" depth="$3" field=8
  [[ "$rw" == randwrite ]] && field=49
  fio --name="$rw" --ioengine=nbd --uri="$uri" --rw="$rw" --bs=4k --iodepth="$depth" \
    --size="$SIZE" --time_based --ramp_time=2 --runtime="$RUNTIME" \
    --output-format=terse --terse-version=3 | awk -F';' -v f="$field" '$1 == "3" { printf "%d", $f }'
}

echo "fio --ioengine=nbd bs=4k numjobs=1 runtime=${RUNTIME}s ramp=2s, rounds=$ROUNDS," \
  "$SIZE RAM exports over TCP 127.0.0.1; servers: $SERVERS"
for s in $SERVERS; do
  fill "${URI[$s]}"
done

declare -A IOPS BEST
for round in $(seq 1 "$ROUNDS"); do
  for w in $WORKLOADS; do
    for s in $SERVERS; do
      v="$(measure "${URI[$s]}" "${w%:*}" "${w#*:}")"
      IOPS[$w,$round,$s]="$v"
      if ((v > ${BEST[$w,$s]:-0})); then
        BEST[$w,$s]="$v"
      fi
      echo "round $round $w $s $v" >&2
    done
  done
done

# ---- report
verdicts=()
for w in $WORKLOADS; do
  echo
  echo "${w%:*} bs=4k iodepth=${w#*:} (IOPS)"
  printf '%-8s' round
  for s in $SERVERS; do printf ' %10s' "$s"; done
  echo
  for round in $(seq 1 "$ROUNDS"); do
    printf '%-8s' "$round"
    for s in $SERVERS; do printf ' %10d' "${IOPS[$w,$round,$s]}"; done
    echo
  done
  printf '%-8s' best
  for s in $SERVERS; do printf ' %10d' "${BEST[$w,$s]}"; done
  echo
  if has_server jnvme && has_server nbdkit && has_server qemu-nbd; then
    j="${BEST[$w,jnvme]}" n="${BEST[$w,nbdkit]}" q="${BEST[$w,qemu-nbd]}"
    awk -v j="$j" -v n="$n" -v q="$q" 'BEGIN {
      printf "jnvme/nbdkit = %.2f   jnvme/qemu-nbd = %.2f\n", j / n, j / q
    }'
    if [[ "${w#*:}" == 32 ]]; then
      better=nbdkit
      ((q > n)) && better=qemu-nbd
      b="${BEST[$w,$better]}"
      if ((j >= b)); then verdict=met; else verdict="NOT met"; fi
      verdicts+=("$(awk -v w="$w" -v j="$j" -v b="$b" -v s="$better" -v v="$verdict" 'BEGIN {
        printf "%s: jnvme %d >= the better of nbdkit and qemu-nbd (%s %d): %s (%.2f)", \
          w, j, s, b, v, j / b }')")
    fi
  fi
done
echo
for v in "${verdicts[@]}"; do
  echo "target $v"
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
