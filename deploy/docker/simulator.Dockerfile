# The behaviour simulator (module `simulator`): a plain Java 17 program, no Flink. It runs on the
# same pinned Flink image as the job only for its Java 17 runtime, so one base image serves both
# and no second JRE tag has to be tracked.
#
# Build from the repository root after `mvn -B -ntp -pl simulator -am package -DskipTests`:
#   docker build -f deploy/docker/simulator.Dockerfile -t flywheel/simulator:0.1.0-SNAPSHOT .
FROM flink:2.2.1-scala_2.12-java17

USER root
RUN mkdir -p /opt/flywheel/out && chown -R flink:flink /opt/flywheel
USER flink

COPY --chown=flink:flink simulator/target/simulator-0.1.0-SNAPSHOT-all.jar /opt/flywheel/simulator.jar

# The learning curve (CSV + PNG) goes to /opt/flywheel/out: mount a volume there.
WORKDIR /opt/flywheel
ENTRYPOINT ["java", "-Djava.awt.headless=true", "-cp", "/opt/flywheel/simulator.jar", "dev.flywheel.simulator.SimulatorCli"]
CMD ["--help"]
