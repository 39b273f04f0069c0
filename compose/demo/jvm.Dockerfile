# Demo stand-in for rate-limiter and fluxpay-engine: the MBean test app of the
# tests (internal/testenv/java/MBeanTestApp.java) with the Jolokia 2.4.2 agent,
# set up exactly as compose/jolokia/Dockerfile.snippet tells the JVM services to.
# Build context: the repository root.
FROM maven:3.9-eclipse-temurin-21 AS jolokia
RUN mvn -q -B dependency:copy \
      -Dartifact=org.jolokia:jolokia-agent-jvm:2.4.2:jar:javaagent \
      -DoutputDirectory=/jolokia \
 && mv /jolokia/jolokia-agent-jvm-2.4.2-javaagent.jar /jolokia/jolokia-agent.jar

FROM eclipse-temurin:21-jdk AS build
COPY internal/testenv/java/MBeanTestApp.java /src/MBeanTestApp.java
RUN javac -d /classes /src/MBeanTestApp.java

FROM eclipse-temurin:21-jre
COPY --from=build /classes /app
COPY --from=jolokia /jolokia/jolokia-agent.jar /opt/jolokia/jolokia-agent.jar
COPY compose/jolokia/jolokia-access.xml /opt/jolokia/jolokia-access.xml
ENV JAVA_TOOL_OPTIONS="-javaagent:/opt/jolokia/jolokia-agent.jar=port=8778,host=0.0.0.0,policyLocation=file:///opt/jolokia/jolokia-access.xml,discoveryEnabled=false"
USER 10001:10001
EXPOSE 8778
# The payment MBeans also as com.fluxpay:type=Payments, the fluxpay-engine MBean compose/otelcol.yaml reads.
CMD ["java", "-Xmx128m", "-XX:+UseSerialGC", "-Dmoalog.paymentsDomain=com.fluxpay", "-cp", "/app", "MBeanTestApp"]
