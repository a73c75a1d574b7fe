#!/usr/bin/env bash
# Wraps the Flink image's entrypoint. With FLYWHEEL_RESTORE_FROM set to a savepoint or retained
# checkpoint path, `standalone-job` starts the job from that state (--fromSavepoint); unset or
# empty, it starts fresh (Kafka offsets from the consumer group, a new model).
set -euo pipefail

if [[ "${1:-}" == "standalone-job" && -n "${FLYWHEEL_RESTORE_FROM:-}" ]]; then
  shift
  echo "flywheel: restoring from ${FLYWHEEL_RESTORE_FROM}"
  exec /docker-entrypoint.sh standalone-job --fromSavepoint "${FLYWHEEL_RESTORE_FROM}" "$@"
fi
exec /docker-entrypoint.sh "$@"
