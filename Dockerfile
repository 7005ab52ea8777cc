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
RUN DEBUG=1 SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
 && DEBUG=1 SECRET_KEY=collectstatic-only python manage.py compilemessages --ignore=.venv
RUN useradd --system --uid 1000 cloudadmin && mkdir -p /app/var && chown cloudadmin /app/var
USER cloudadmin
EXPOSE 8000
CMD ["gunicorn", "cloudadmin.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
