#!/usr/bin/env bash
# Runs every jnvme benchmark, prints its figures with the machine they ran on, and ends with a
# summary of the figures the performance targets name, each beside its target.
#   benchmarks/run-all.sh                 short runs (about 15 minutes with the NBD runs)
#   JMH_ARGS="" benchmarks/run-all.sh     JMH's default iterations (longer, steadier)
#   SKIP_NBD=1 / SKIP_QEMU=1              leave out the NBD runs / the QEMU servicing comparison
# Needs JDK 17 and Maven; QEMU (qemu-system-x86) for the QEMU comparison and fio, nbdkit,
# qemu-utils, libnbd-bin for the NBD runs (both are skipped, saying so, when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -DskipTests -pl benchmarks -am package >&2
JAR=benchmarks/target/benchmarks.jar
JAVA=(java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
JMH=(${JMH_ARGS--wi 2 -i 3 -r 2 -w 1})
OUT="$(mktemp -d /tmp/jnvme-bench.XXXXXX)"
trap 'rm -rf "$OUT"' EXIT

echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== driver overhead: 4 KiB reads, null namespace, one stream (JMH; ops/s = IOPS; gc profiler)"
"${JAVA[@]}" -jar "$JAR" ReadBenchmark "${JMH[@]}" -prof gc \
  | grep -E '^\[jnvme\]|^Benchmark|read4k +|^ReadBenchmark.read4k:gc.alloc.rate.norm' | tee "$OUT/read.txt"

echo "== scaling: QD32 per stream, streams x I/O queues, device inline (JMH; ops/s = total IOPS)"
"${JAVA[@]}" -jar "$JAR" ScalingBenchmark "${JMH[@]}" \
  | grep -E '^\[jnvme\]|^Benchmark|read4k +' | tee "$OUT/scaling.txt"

echo "== bring-up"
"${JAVA[@]}" -cp "$JAR" io.jnvme.bench.BringUpRun 20 | tee "$OUT/bringup.txt"

echo "== keepalive servicing against the reset path"
targets=emulated
if [[ -z "${SKIP_QEMU:-}" ]] && command -v qemu-system-x86_64 >/dev/null; then
  targets=both
else
  echo "(QEMU comparison left out: ${SKIP_QEMU:+SKIP_QEMU is set}${SKIP_QEMU:-qemu-system-x86_64 is missing})"
fi
"${JAVA[@]}" -cp "$JAR" io.jnvme.bench.ServicingRun 20 10 "$targets" | tee "$OUT/servicing.txt"

if [[ -z "${SKIP_NBD:-}" ]]; then
  echo "== NBD end to end"
  benchmarks/nbd-fio.sh | tee "$OUT/nbd.txt" || echo "(NBD runs failed or tools missing)"
fi

# ---- summary: the figures the targets name
field() { # field FILE PATTERN KEY: KEY's value on the lines matching PATTERN, one per line
  grep -E "$2" "$1" 2>/dev/null | grep -oE "$3=[0-9.]+" | cut -d= -f2 || true
}
median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "-"}'; }
qd32_inline_cpu=$(field "$OUT/read.txt" 'qd=32 execution=inline' cpuNsPerIo | median)
qd32_worker_cpu=$(field "$OUT/read.txt" 'qd=32 execution=worker' driverCpuNsPerIo | median)
alloc=$(grep -E '^ReadBenchmark.read4k:gc.alloc.rate.norm' "$OUT/read.txt" \
  | awk '{printf "%s%s QD%s %s", sep, $2, $3, $(NF-3); sep=", "}')
ka=$(field "$OUT/servicing.txt" 'target=emulated keepalive=true' 'ioPauseUs\(median\)')
cold=$(field "$OUT/servicing.txt" 'target=emulated keepalive=false' 'ioPauseUs\(median\)')
qka=$(field "$OUT/servicing.txt" 'target=qemu keepalive=true' 'ioPauseUs\(median\)')
qcold=$(field "$OUT/servicing.txt" 'target=qemu keepalive=false' 'ioPauseUs\(median\)')
echo
echo "== summary (targets from issue 10)"
printf '%-64s %-16s %s\n' "figure" "result" "target"
printf '%-64s %-16s %s\n' "CPU ns per 4 KiB read, QD32, one stream, device inline (median)" \
  "${qd32_inline_cpu:--}" "<= 300"
printf '%-64s %-16s %s\n' "driver CPU ns per read, QD32, device on its own thread (median)" \
  "${qd32_worker_cpu:--}" "(no target)"
printf '%-64s %-16s %s\n' "bytes allocated per I/O, all threads (JMH gc profiler)" "" \
  "0 in steady state"
printf '  %s\n' "${alloc:--}"
printf '%-64s %-16s %s\n' "I/O pause, keepalive servicing, emulated (median us)" "${ka:--}" \
  "<= 10000"
printf '%-64s %-16s %s\n' "I/O pause with a reset / with keepalive, emulated" \
  "$([[ -n "$ka" && -n "$cold" ]] && awk -v a="$cold" -v b="$ka" 'BEGIN{printf "%.1f", a/b}' || echo -)" ">= 10"
if [[ -n "$qka" ]]; then
  printf '%-64s %-16s %s\n' "I/O pause, keepalive servicing, QEMU (median us)" "$qka" "<= 10000"
  printf '%-64s %-16s %s\n' "I/O pause with a reset / with keepalive, QEMU" \
    "$(awk -v a="$qcold" -v b="$qka" 'BEGIN{printf "%.1f", a/b}')" ">= 10"
fi
if [[ -s "$OUT/nbd.txt" ]]; then
  grep -E 'meets|jnvme/' "$OUT/nbd.txt" || true
fi
