# One image for web, worker, beat and the local Swift. Dependencies first so
# that code changes do not invalidate the pip layer.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev nfs-common gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The commands are in scripts/services.py, shared with docker-compose.yml and
# the production smoke test. Static files are built with DEBUG off, the
# settings that serve them (hashed names, gzip variants, for whitenoise).
RUN python scripts/services.py collectstatic && python scripts/services.py compilemessages
RUN useradd --system --uid 1000 cloudadmin && mkdir -p /app/var && chown cloudadmin /app/var
USER cloudadmin
EXPOSE 8000
CMD ["python", "scripts/services.py", "web"]
