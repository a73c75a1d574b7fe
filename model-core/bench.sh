#!/usr/bin/env bash
# Runs the model-core JMH benchmarks (src/test/java/dev/flywheel/model/bench) with the GC profiler.
# Usage: model-core/bench.sh [JMH options...]   (default: a short run, see below)
#        model-core/bench.sh --cpu-probe            (per-CPU-second throughput, for a shared machine)
# Short by default: the benchmark competes with everything else on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl model-core -Dspotless.check.skip=true test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="model-core/target/test-classes:model-core/target/classes:$(cat model-core/target/bench.classpath)"
if [ "${1:-}" = "--cpu-probe" ]; then
  exec java -Xms1g -Xmx1g -cp "$cp" dev.flywheel.model.bench.CpuTimeProbe
fi
if [ "$#" -eq 0 ]; then
  set -- -f 1 -wi 3 -i 5 -w 2s -r 2s -prof gc 'dev.flywheel.model.bench.*'
fi
exec java -cp "$cp" org.openjdk.jmh.Main "$@"
