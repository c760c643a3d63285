# The source-fauna connector image on Airbyte's Python connector base image. Built with
# `docker build .` or `airbyte-cdk image build --dockerfile Dockerfile`, which passes metadata.yaml's
# connectorBuildOptions.baseImage as BASE_IMAGE; the default below is that same image
# (unit_tests/test_dockerfile.py keeps them equal). Only the connector package is copied: the local
# Fauna and the tests stay out.
ARG BASE_IMAGE=docker.io/airbyte/python-connector-base:4.0.2@sha256:9fdb1888c4264cf6fee473649ecb593f56f58e5d0096a87ee0b231777e2e3e73
FROM ${BASE_IMAGE}

WORKDIR /airbyte/integration_code

COPY pyproject.toml README.md ./
COPY source_fauna ./source_fauna
RUN pip install --no-cache-dir . \
    && rm -rf /airbyte/integration_code/build

# The platform runs the image's entry point with spec/check/discover/read and their arguments.
ENV AIRBYTE_ENTRYPOINT="source-fauna"
ENTRYPOINT ["source-fauna"]

USER airbyte

LABEL io.airbyte.version=1.1.0
LABEL io.airbyte.name=airbyte/source-fauna
