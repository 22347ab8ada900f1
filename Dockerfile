# Portal Media Center image: the same code runs as web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH VAR_DIR=/var/lib/portal
# Pango (and a font) for WeasyPrint, which draws the PDF reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv && useradd --system --create-home --home-dir /var/lib/portal portal
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
# Static files are collected with the production settings (compressed, with the manifest the
# pages need) into VAR_DIR/static, where the running portal serves them; the secrets given here
# exist only for this step.
RUN python manage.py i18n compile \
    && DEBUG=false ALLOWED_HOSTS=localhost SECRET_KEY=collectstatic-only \
       VAULT_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
       python manage.py collectstatic --noinput --verbosity 0 \
    && chown -R portal:portal /var/lib/portal
USER portal
EXPOSE 8000
CMD ["gunicorn", "--config", "python:config.gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "3", "--threads", "8", "--timeout", "300"]
