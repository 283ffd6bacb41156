# Bulwark container image: Debian 12, built in one stage, run unprivileged in another.
#   docker build -t bulwark .
#   docker run -p 8443:8443 -p 8080:8080 bulwark
FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBULWARK_BUILD_TESTS=OFF \
 && ninja -C /build bulwark \
 && strip /build/bulwark

FROM debian:12-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      libssl3 libyaml-cpp0.7 libspdlog1.10 libfmt9 libboost-url1.81.0 libboost-json1.81.0 \
      libre2-9 libvectorscan5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin bulwark
COPY --from=build /build/bulwark /usr/local/bin/bulwark
COPY deploy/bulwark.yaml /etc/bulwark/bulwark.yaml
USER bulwark
EXPOSE 8443 8080
ENTRYPOINT ["/usr/local/bin/bulwark"]
CMD ["run", "-c", "/etc/bulwark/bulwark.yaml"]
