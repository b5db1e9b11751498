# syntax=docker/dockerfile:1
# The platform's code location for production (docs/production.md). One image serves the code
# server and the run workers it starts; docker-compose also runs the webserver and the daemon
# from it, so that every process has the same Dagster and the same instance config.
#
#   docker build --build-arg SNOWFLAKE_DATABASE=ANALYTICS -t graduated-platform .

FROM python:3.11-slim-bookworm

# The uv that the Makefile pins. It installs exactly what uv.lock says (--frozen), so the image
# runs the versions the tests ran.
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never

WORKDIR /opt/platform

# Dependencies in a layer of their own: a change to the platform's code does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# The platform itself (.dockerignore keeps data, the local environment and dbt's output out).
COPY . .
RUN uv sync --frozen --no-dev

ENV PATH=/opt/platform/.venv/bin:$PATH \
    PLATFORM_ENV=production \
    PLATFORM_DATA_DIR=/opt/dagster/data \
    DAGSTER_HOME=/opt/dagster/home
RUN mkdir -p "$DAGSTER_HOME" "$PLATFORM_DATA_DIR" \
    && cp platform/dagster-production.yaml "$DAGSTER_HOME/dagster.yaml"

# The dbt manifest, prepared now for the Snowflake target: the code location loads it at start-up
# and never parses the dbt project itself. Parsing renders the profile but connects to nothing,
# so deploy/build.env stands in for the credentials; the database is a build argument because
# the manifest names it in every table's address.
ARG SNOWFLAKE_DATABASE=ANALYTICS
RUN set -a && . deploy/build.env && set +a \
    && SNOWFLAKE_DATABASE="$SNOWFLAKE_DATABASE" python -m graduated_platform.dbt_manifest

# Run as a user of its own. dbt writes each run's output under dbt_project/target, and dlt its
# working folders under the data folder.
RUN useradd --create-home --uid 10001 dagster \
    && chown -R dagster /opt/dagster /opt/platform/dbt_project
USER dagster

EXPOSE 4000
CMD ["dagster", "code-server", "start", "--host", "0.0.0.0", "--port", "4000", \
     "--module-name", "graduated_platform.definitions"]
