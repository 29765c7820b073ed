#!/usr/bin/env bash
# Runs every jnvme benchmark and prints its figures, with the machine they ran on.
#   benchmarks/run-all.sh            short runs (a few minutes)
#   JMH_ARGS="" benchmarks/run-all.sh    JMH's default iterations (longer, steadier)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mvn -B -q -DskipTests -pl benchmarks -am package >&2
JAR=benchmarks/target/benchmarks.jar
JAVA=(java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
echo "== machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "$(java -version 2>&1 | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== driver overhead: 4 KiB reads, null namespace (JMH; ops/s = IOPS)"
"${JAVA[@]}" -jar "$JAR" ReadBenchmark ${JMH_ARGS--wi 2 -i 3 -r 2 -w 1} \
  | grep -E '^\[jnvme\]|^ReadBenchmark|^Benchmark'
echo "== bring-up"
"${JAVA[@]}" -cp "$JAR" io.jnvme.bench.BringUpRun 20
echo "== keepalive servicing"
"${JAVA[@]}" -cp "$JAR" io.jnvme.bench.ServicingRun 20
if [[ -x benchmarks/nbd-fio.sh ]]; then
  echo "== NBD end to end"
  benchmarks/nbd-fio.sh
fi
